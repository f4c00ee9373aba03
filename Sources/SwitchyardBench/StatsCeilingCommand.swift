import ArgumentParser
import Logging

/// `switchyard-bench stats-ceiling`: the learning-stats ceiling server (see
/// ``buildStatsCeilingApplication(host:port:maxBodyBytes:logger:)``).
struct StatsCeilingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats-ceiling",
        abstract: "Answer the learning-stats routes at once (no fleet): the ceiling of the HTTP stack for them.",
        discussion: """
            POST /courses/:courseId collects the body (up to --max-body-bytes), parses it with the project's JSON \
            parser and answers 201 with a constant session; GET /courses/:courseId and \
            GET /courses/:courseId/sessions/:sessionId answer 200 with constant bodies. No header or id is checked. \
            Stops on SIGTERM or SIGINT.
            """)

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "Port for the REST routes.")
    var port: Int = 3090
    @Option(help: "Largest request body in bytes (the gateway's default limit).")
    var maxBodyBytes: Int = 64 * 1024

    func run() async throws {
        var logger = Logger(label: "switchyard-bench.stats-ceiling")
        logger.logLevel = .notice
        let app = buildStatsCeilingApplication(host: host, port: port, maxBodyBytes: maxBodyBytes, logger: logger)
        try await app.runService()
    }
}
