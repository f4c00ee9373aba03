import ArgumentParser
import Fleet
import Logging

/// Options every role takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The same options as arguments, for the processes a supervisor launches.
    var arguments: [String] { ["--log-level", logLevel] }

    /// Starts a role's process: bootstraps swift-log once, raises the descriptor soft limit to the hard one (so the
    /// limit an operator set is the one in force) and returns the role's logger.
    func startProcess(_ label: String) -> Logger {
        let logger = makeLogger(label)
        let limit = DescriptorLimit.raiseToHard()
        logger.debug("descriptor limit", metadata: ["soft": "\(limit.soft)", "hard": "\(limit.hard)"])
        return logger
    }

    /// Bootstraps swift-log once and returns the role's logger.
    private func makeLogger(_ label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
