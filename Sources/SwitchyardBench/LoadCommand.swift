import ArgumentParser

/// `switchyard-bench load`: step updates over WebSocket with a bounded window per connection.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Send step updates over WebSocket and measure acknowledged updates/s and ack latency.",
        discussion: """
            Each connection keeps up to --window updates in flight (unique update_ids, usernames spread over \
            --users users) and sends a new one for every ack. Acks during the --warmup seconds are not counted; \
            then --duration seconds are measured. Frames are masked, as a client's must be.
            """)

    @Option(help: "WebSocket URL; the server must acknowledge (`?ack=1` for the step tracker).")
    var url: String = "ws://127.0.0.1:8081/?ack=1"
    @Option(help: "Number of WebSocket connections.")
    var connections: Int = 16
    @Option(help: "Updates in flight per connection.")
    var window: Int = 32
    @Option(help: "Seconds measured.")
    var duration: Double = 10
    @Option(help: "Seconds of load before measuring (not counted).")
    var warmup: Double = 2
    @Option(help: "Number of distinct usernames (user0 …).")
    var users: Int = 1000
    @Option(help: "Event-loop threads of the client.")
    var threads: Int = 1
    @Option(help: "Seconds allowed to connect and upgrade.")
    var connectTimeout: Double = 10
    @Option(
        name: .customLong("observe-pid"),
        help: "Report the CPU time of this process and its descendants over the measured window (repeatable).")
    var observePIDs: [Int32] = []

    func validate() throws {
        guard WebSocketURL(url) != nil else { throw ValidationError("--url must be ws://host[:port][/path][?query]") }
        guard (1...65_535).contains(connections) else { throw ValidationError("--connections must be 1…65535") }
        guard (1...100_000).contains(window) else { throw ValidationError("--window must be 1…100000") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup ≥ 0") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1…64") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be > 0") }
    }

    func run() async throws {
        guard let url = WebSocketURL(url) else { throw ValidationError("--url is not a ws:// URL") }
        let configuration = LoadConfiguration(
            url: url, connections: connections, window: window, warmupSeconds: warmup, durationSeconds: duration,
            users: users, threads: threads, connectTimeoutSeconds: connectTimeout, observedPIDs: observePIDs)
        let result = try await LoadRunner(configuration: configuration).run()
        print(LoadReport(result: result, arguments: CommandLine.arguments).text)
        if result.statistics.measuredAcks == 0 { throw ExitCode(1) }
    }
}
