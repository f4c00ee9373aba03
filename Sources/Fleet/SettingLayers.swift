/// One option of a command, as its command line knows it (`--steps-http-port <value>`, `--insecure-links`).
package struct SettingOption: Sendable, Hashable {
    /// The long name, without dashes: `steps-http-port`.
    package var name: String
    /// Whether it takes a value (an option) or not (a flag).
    package var takesValue: Bool
    /// Its default as help prints it, if it has one.
    package var defaultValue: String?

    /// An option.
    package init(name: String, takesValue: Bool, defaultValue: String? = nil) {
        self.name = name
        self.takesValue = takesValue
        self.defaultValue = defaultValue
    }
}

/// Where a setting's value came from, strongest first.
package enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// Given on the command line.
    case commandLine
    /// From the named environment variable.
    case environment(String)
    /// From the named configuration file.
    case file(String)
    /// Not set anywhere: the command's default.
    case defaultValue

    package var description: String {
        switch self {
        case .commandLine: "command line"
        case .environment(let variable): "environment \(variable)"
        case .file(let path): "file \(path)"
        case .defaultValue: "default"
        }
    }
}

/// One setting's effective value and where it came from.
package struct ResolvedSetting: Sendable, Hashable {
    /// The option.
    package var name: String
    /// Its value: the text given, `true`/`false` for a flag, nil for an option with no value and no default.
    package var value: String?
    /// Where the value came from.
    package var source: SettingSource
}

/// Settings in layers (docs/operations.md, "Settings"): the command line wins, then `SWITCHYARD_…` environment
/// variables, then the configuration file, then the defaults. The layers below the command line become command-line
/// arguments, so the command parses and checks every value the same way whatever its source.
package enum SettingLayers {
    /// The environment variable of option `name`: `steps-http-port` → `SWITCHYARD_STEPS_HTTP_PORT`.
    package static func environmentVariable(of name: String) -> String {
        "SWITCHYARD_" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Why a layer's value cannot be used.
    package struct Failure: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// `arguments` (a command's own, after its name) with every option they leave out taken from `environment`
    /// (read by option name) or `file` (likewise), and each option's effective value and source. A flag's value
    /// from a layer is `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    package static func resolve(
        arguments: [String], options: [SettingOption], environment: (String) -> String?, file: (String) -> String?,
        fileName: String?
    ) throws(Failure) -> (arguments: [String], settings: [ResolvedSetting]) {
        let given = commandLineValues(arguments, options: options)
        var added: [String] = []
        var settings: [ResolvedSetting] = []
        for option in options {
            if let value = given[option.name] {
                settings.append(ResolvedSetting(name: option.name, value: value, source: .commandLine))
                continue
            }
            let variable = environmentVariable(of: option.name)
            let layered: (String, SettingSource)? =
                environment(option.name).map { ($0, .environment(variable)) }
                ?? file(option.name).map { ($0, .file(fileName ?? "configuration file")) }
            guard let (value, source) = layered else {
                let value = option.takesValue ? option.defaultValue : "false"
                settings.append(ResolvedSetting(name: option.name, value: value, source: .defaultValue))
                continue
            }
            if option.takesValue {
                added += ["--\(option.name)", value]
                settings.append(ResolvedSetting(name: option.name, value: value, source: source))
            } else {
                guard let on = flag(value) else {
                    throw Failure(
                        description: "\(source): --\(option.name) is a flag; give true or false, not \(value)")
                }
                if on { added.append("--\(option.name)") }
                settings.append(ResolvedSetting(name: option.name, value: on ? "true" : "false", source: source))
            }
        }
        // Before a `--` that ends the options, if there is one, so that they still parse as options.
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        return (Array(arguments[..<end]) + added + Array(arguments[end...]), settings)
    }

    /// The values the command line gives, by option name (`true` for a flag).
    package static func commandLineValues(_ arguments: [String], options: [SettingOption]) -> [String: String] {
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            guard let option = byName[name] else { continue }
            if !option.takesValue {
                values[name] = "true"
            } else if let equals = body.firstIndex(of: "=") {
                values[name] = String(body[body.index(after: equals)...])
            } else if index < arguments.endIndex {
                values[name] = arguments[index]
                index += 1
            }
        }
        return values
    }

    private static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off", "": false
        default: nil
        }
    }
}
