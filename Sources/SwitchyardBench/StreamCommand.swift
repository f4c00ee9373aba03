import ArgumentParser

/// `switchyard-bench stream`: a fixed number of step updates written without acks as fast as the sockets take
/// them, timed until REST shows every user's exact total.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream step updates without acks and time them until REST shows every user's exact total.",
        discussion: """
            Reads every user's total first (GET /users/user<n>/steps; 404 counts as 0), then --connections \
            WebSocket connections write --updates updates in all (each connection a contiguous block; update i is \
            for user<i mod --users>, newSteps --steps-per-update, unique update_ids), as fast as each socket takes \
            them: a connection stops writing while its channel is over the write-buffer high-water mark. After the \
            last write, REST is polled until every user shows its exact expected total. Reports the time from the \
            first send to that moment, updates/s, and the CPU of the --observe-pid processes over the same window \
            (server µs per update). Exits 1 when the totals never come right or go past.
            """)

    @Option(help: "WebSocket URL, without `?ack=1` (nothing is acknowledged).")
    var url: String = "ws://127.0.0.1:8081/"
    @Option(help: "REST base URL (http://host:port) serving GET /users/{username}/steps.")
    var rest: String = "http://127.0.0.1:8080"
    @Option(help: "Number of WebSocket connections.")
    var connections: Int = 16
    @Option(help: "Updates sent in all.")
    var updates: Int = 40_000
    @Option(help: "Number of distinct usernames (user0 …).")
    var users: Int = 100
    @Option(help: "newSteps of every update.")
    var stepsPerUpdate: Int = 1
    @Option(help: "Event-loop threads of the client.")
    var threads: Int = 1
    @Option(help: "Seconds allowed to connect and upgrade.")
    var connectTimeout: Double = 10
    @Option(help: "Seconds allowed for writing every update.")
    var sendTimeout: Double = 120
    @Option(help: "Seconds allowed after the last write for every total to read back right.")
    var convergeTimeout: Double = 60
    @Option(help: "REST connections polling the totals.")
    var restConnections: Int = 4
    @Option(help: "GETs pipelined on each REST connection.")
    var restDepth: Int = 16
    @Option(help: "Milliseconds between two reads of a user whose total is not yet right.")
    var pollInterval: Double = 2
    @Option(
        name: .customLong("observe-pid"),
        help: "Report the CPU time of this process and its descendants over the run (repeatable).")
    var observePIDs: [Int32] = []

    func validate() throws {
        guard WebSocketURL(url) != nil else { throw ValidationError("--url must be ws://host[:port][/path][?query]") }
        guard HTTPEndpoint(rest) != nil else { throw ValidationError("--rest must be http://host[:port]") }
        guard (1...65_535).contains(connections) else { throw ValidationError("--connections must be 1…65535") }
        guard updates >= 1, updates <= 1 << 40 else { throw ValidationError("--updates must be 1…2^40") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        // Totals are doubles on both sides: they must stay exact integers.
        guard stepsPerUpdate >= 1, Double(updates) * Double(stepsPerUpdate) < 9e15 else {
            throw ValidationError("--steps-per-update must be at least 1, and updates × steps below 9e15")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1…64") }
        guard connectTimeout > 0, sendTimeout > 0, convergeTimeout > 0 else {
            throw ValidationError("--connect-timeout, --send-timeout and --converge-timeout must be > 0")
        }
        guard (1...1024).contains(restConnections), (1...1024).contains(restDepth) else {
            throw ValidationError("--rest-connections and --rest-depth must be 1…1024")
        }
        guard pollInterval >= 0 else { throw ValidationError("--poll-interval must be ≥ 0") }
    }

    func run() async throws {
        guard let url = WebSocketURL(url), let rest = HTTPEndpoint(rest) else {
            throw ValidationError("--url or --rest is not a valid URL")
        }
        let configuration = StreamConfiguration(
            url: url, rest: rest, connections: connections, updates: updates, users: users,
            stepsPerUpdate: stepsPerUpdate, threads: threads, connectTimeoutSeconds: connectTimeout,
            sendTimeoutSeconds: sendTimeout, convergeTimeoutSeconds: convergeTimeout,
            restConnections: restConnections, restDepth: restDepth, pollIntervalMs: pollInterval,
            observedPIDs: observePIDs)
        let result = try await StreamRunner(configuration: configuration).run()
        print(StreamReport(result: result, arguments: CommandLine.arguments).text)
        if !result.converged || result.errors > 0 { throw ExitCode(1) }
    }
}
