import ArgumentParser
import Fleet
import Foundation
import Logging

/// Options every role takes.
struct CommonOptions: ParsableArguments {
    @Option(
        help:
            "A JSON file of settings by option name ({\"workers\": 4, \"log-level\": \"debug\"}); the command line and SWITCHYARD_… environment variables take precedence (also SWITCHYARD_CONFIG)."
    )
    var config: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
    @Option(
        help: "Log format on standard error: text (one readable line per event) or json (one JSON object per line).")
    var logFormat: String = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    /// The same options as arguments, for the processes a supervisor launches.
    var arguments: [String] { ["--log-level", logLevel, "--log-format", logFormat] }

    /// Starts a role's process: bootstraps swift-log once, raises the descriptor soft limit to the hard one (so the
    /// limit an operator set is the one in force) and returns the role's logger.
    func startProcess(_ label: String) -> Logger {
        // A write to a standard error nobody reads any more (the supervisor is gone) fails instead of killing the
        // process: it then notices it is orphaned and stops in order.
        signal(SIGPIPE, SIG_IGN)
        let logger = makeLogger(label)
        let limit = DescriptorLimit.raiseToHard()
        logger.debug("descriptor limit", metadata: ["soft": "\(limit.soft)", "hard": "\(limit.hard)"])
        return logger
    }

    /// Bootstraps swift-log once and returns the role's logger. `label` is `switchyard.<role>[.<id>]`; the JSON
    /// format carries the role and the id as fields of their own.
    private func makeLogger(_ label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let parts = label.split(separator: ".", maxSplits: 2).map(String.init)
        let role = parts.count > 1 ? parts[1] : label
        let process = parts.count > 2 ? parts[2] : role
        let json = logFormat == "json"
        LoggingSystem.bootstrap { name in
            if json {
                var handler = JSONLogHandler(label: name, role: role, process: process)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
