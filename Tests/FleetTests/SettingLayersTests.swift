import Fleet
import Testing

@Suite struct SettingLayersTests {
    let options = [
        SettingOption(name: "steps-http-port", takesValue: true, defaultValue: "8080"),
        SettingOption(name: "log-level", takesValue: true, defaultValue: "info"),
        SettingOption(name: "workers", takesValue: true, defaultValue: "2"),
        SettingOption(name: "fleet", takesValue: true),
        SettingOption(name: "insecure-links", takesValue: false),
        SettingOption(name: "protect-health", takesValue: false),
    ]

    @Test func environmentVariablesAreNamedAfterTheOption() {
        #expect(SettingLayers.environmentVariable(of: "steps-http-port") == "SWITCHYARD_STEPS_HTTP_PORT")
        #expect(SettingLayers.environmentVariable(of: "config") == "SWITCHYARD_CONFIG")
    }

    @Test func theCommandLineWinsThenTheEnvironmentThenTheFileThenTheDefault() throws {
        let environment = ["log-level": "debug", "workers": "3", "insecure-links": "yes"]
        let file = ["log-level": "error", "workers": "5", "steps-http-port": "18080", "protect-health": "false"]
        let (arguments, settings) = try SettingLayers.resolve(
            arguments: ["--workers=4"], options: options, environment: { environment[$0] }, file: { file[$0] },
            fileName: "/etc/switchyard.json")
        #expect(
            arguments == [
                "--workers=4", "--steps-http-port", "18080", "--log-level", "debug", "--insecure-links",
            ])
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0.name, $0) })
        #expect(byName["workers"]?.value == "4" && byName["workers"]?.source == .commandLine)
        #expect(byName["log-level"]?.value == "debug")
        #expect(byName["log-level"]?.source == .environment("SWITCHYARD_LOG_LEVEL"))
        #expect(byName["steps-http-port"]?.source == .file("/etc/switchyard.json"))
        #expect(byName["insecure-links"]?.value == "true")
        #expect(byName["protect-health"]?.value == "false")
        #expect(byName["protect-health"]?.source == .file("/etc/switchyard.json"))
        #expect(byName["fleet"]?.value == nil && byName["fleet"]?.source == .defaultValue)
        #expect(settings.map(\.name) == options.map(\.name))
    }

    @Test func valuesGivenOnTheCommandLineInEitherFormAreNotAddedAgain() throws {
        let everywhere = { (name: String) -> String? in name == "insecure-links" ? "true" : "1" }
        let given = [
            "--steps-http-port", "9", "--log-level=warning", "--workers", "2", "--fleet", "f.json", "--insecure-links",
            "--protect-health",
        ]
        let (arguments, settings) = try SettingLayers.resolve(
            arguments: given, options: options, environment: everywhere, file: everywhere, fileName: nil)
        #expect(arguments == given)
        #expect(settings.allSatisfy { $0.source == .commandLine })
        #expect(settings.first { $0.name == "log-level" }?.value == "warning")
    }

    @Test func addedOptionsGoBeforeAnEndOfOptions() throws {
        let (arguments, _) = try SettingLayers.resolve(
            arguments: ["--", "--workers"], options: [options[2]], environment: { _ in "3" }, file: { _ in nil },
            fileName: nil)
        #expect(arguments == ["--workers", "3", "--", "--workers"])
    }

    @Test func aFlagMustBeTrueOrFalse() {
        #expect(throws: SettingLayers.Failure.self) {
            try SettingLayers.resolve(
                arguments: [], options: [options[4]], environment: { _ in "maybe" }, file: { _ in nil },
                fileName: nil)
        }
    }
}
