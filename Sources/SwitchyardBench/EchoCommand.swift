import ArgumentParser
import Logging

/// `switchyard-bench echo`: the ceiling server (see ``buildEchoApplication(host:port:logger:)``).
struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Acknowledge every WebSocket update at once (no fleet): the ceiling of the HTTP/WebSocket stack.",
        discussion: """
            WebSocket on any path: each text frame is parsed with the project's JSON parser and, when the upgrade \
            asked for ?ack=1, answered with {"$type":"ack","update_id":…}. GET /users/:u/steps returns a constant \
            JSON body. Stops on SIGTERM or SIGINT.
            """)

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "Port for WebSocket and REST.")
    var port: Int = 8091
    @Option(help: "Largest WebSocket frame in bytes.")
    var maxFrameBytes: Int = 64 * 1024

    func run() async throws {
        var logger = Logger(label: "switchyard-bench.echo")
        logger.logLevel = .notice
        let app = buildEchoApplication(host: host, port: port, maxFrameSize: maxFrameBytes, logger: logger)
        try await app.runService()
    }
}
