import ArgumentParser
import Configuration
import Fleet
import Foundation
import SystemPackage

/// Settings beyond the command line (docs/operations.md, "Settings"): before the command line is parsed, every option
/// of the role it starts that it leaves out is looked up in the environment (`SWITCHYARD_STEPS_HTTP_PORT`) and then
/// in a JSON configuration file (`--config FILE` or `SWITCHYARD_CONFIG`; `{"steps-http-port": 8080, …}`), read with
/// swift-configuration. What is found joins the command line, so every value is parsed and checked alike.
enum Settings {
    /// The commands whose options come in layers: the roles, which operators run as services.
    static let layeredCommands: [String: any ParsableCommand.Type] = [
        "up": Up.self, "supervisor": SupervisorCommand.self, "gateway": GatewayCommand.self,
        "worker": WorkerCommand.self,
    ]

    /// The option that names the configuration file, and its environment variable.
    static let fileOption = "config"

    /// `arguments` (without the executable) with the layers below the command line added, for a layered command;
    /// otherwise unchanged.
    static func layered(_ arguments: [String]) async throws -> [String] {
        guard let name = arguments.first, let command = layeredCommands[name] else { return arguments }
        let own = Array(arguments.dropFirst())
        return [name] + (try await resolve(command, own).arguments)
    }

    /// `command`'s options and where each value comes from, with `arguments` (the command's own) on top.
    static func resolve(_ command: any ParsableCommand.Type, _ arguments: [String]) async throws
        -> (arguments: [String], settings: [ResolvedSetting])
    {
        let options = self.options(of: command).filter { $0.name != fileOption }
        let environment = ProcessInfo.processInfo.environment
        let environmentReader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        let fileName =
            SettingLayers.commandLineValues(arguments, options: [SettingOption(name: fileOption, takesValue: true)])[
                fileOption] ?? environment[SettingLayers.environmentVariable(of: fileOption)]
        var fileReader: ConfigReader?
        if let fileName {
            do {
                fileReader = ConfigReader(
                    provider: try await FileProvider<JSONSnapshot>(filePath: FilePath(fileName)))
            } catch {
                throw ValidationError("--config \(fileName): \(error)")
            }
        }
        do {
            return try SettingLayers.resolve(
                arguments: arguments, options: options,
                environment: { environmentReader.string(forKey: ConfigKey(["switchyard", $0])) },
                file: { name in fileReader.flatMap { value(of: name, in: $0) } }, fileName: fileName)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// A file's value as text, whatever its JSON type.
    private static func value(of name: String, in reader: ConfigReader) -> String? {
        let key = ConfigKey([name])
        if let text = reader.string(forKey: key) { return text }
        if let number = reader.int(forKey: key) { return String(number) }
        if let number = reader.double(forKey: key) { return String(number) }
        if let flag = reader.bool(forKey: key) { return String(flag) }
        return nil
    }

    /// The long options and flags of `command`, from ArgumentParser's own description of it (the JSON its
    /// `--experimental-dump-help` prints), so that no list of options is kept by hand.
    static func options(of command: any ParsableCommand.Type) -> [SettingOption] {
        guard let data = command._dumpHelp().data(using: .utf8),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let info = root["command"] as? [String: Any], let arguments = info["arguments"] as? [[String: Any]]
        else { return [] }
        return arguments.compactMap { argument in
            guard let kind = argument["kind"] as? String, kind == "option" || kind == "flag",
                let names = argument["names"] as? [[String: Any]],
                let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String,
                !["help", "version"].contains(long)
            else { return nil }
            return SettingOption(
                name: long, takesValue: kind == "option", defaultValue: argument["defaultValue"] as? String)
        }
    }
}

/// `switchyard config ROLE [OPTIONS…]`: what the role would run with, and where each value comes from.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract:
            "Print the settings a role would start with and where each comes from (command line, environment, file, default).",
        discussion: """
            Example: switchyard config up --workers 4. Values come from the options given, then SWITCHYARD_… \
            environment variables, then the JSON file of --config or SWITCHYARD_CONFIG, then the defaults. The \
            values are checked as the role would check them: an invalid one is reported and the exit status is 1.
            """)

    @Argument(help: "The role: up, supervisor, gateway or worker.")
    var role: String
    @Argument(parsing: .captureForPassthrough, help: "The role's options, as you would give them to it.")
    var options: [String] = []

    func run() async throws {
        guard let command = Settings.layeredCommands[role] else {
            throw ValidationError(
                "the role must be one of \(Settings.layeredCommands.keys.sorted().joined(separator: ", "))")
        }
        let (arguments, settings) = try await Settings.resolve(command, options)
        let rows = settings.map { ("--" + $0.name, $0.value ?? "(none)", "\($0.source)") }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = min(rows.map(\.1.count).max() ?? 0, 40)
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        print("\(padded("setting", nameWidth))  \(padded("value", valueWidth))  from")
        for (name, value, source) in rows {
            print("\(padded(name, nameWidth))  \(padded(value, valueWidth))  \(source)")
        }
        do {
            _ = try command.parseAsRoot(arguments)
        } catch {
            FileHandle.standardError.write(Data("switchyard: \(command.fullMessage(for: error))\n".utf8))
            throw ExitCode(1)
        }
    }
}
