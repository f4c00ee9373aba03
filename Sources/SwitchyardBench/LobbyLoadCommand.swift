import ArgumentParser

/// `switchyard-bench lobby-load`: lobby subscribers over several gateways and one admin changing a table at a rate.
struct LobbyLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lobby-load",
        abstract: "Subscribe many lobby clients, change a table at a steady rate, and measure the deliveries.",
        discussion: """
            Subscriber i connects to the i-th of --urls (round-robin), logs in and sends subscribe_tables; once every \
            subscriber has its table_list, one admin connection (on --admin-url) sends change n, an update_table of \
            --table-id whose name carries n and the send time, at n / --rate seconds, through --warmup and then \
            --duration seconds. Latency is the admin's send to a subscriber's receipt, over every (change sent in the \
            measured window, subscriber) pair; deliveries/s counts the receipts inside the window. Each subscriber \
            checks that the changes arrive in order with none missing; after the window the client waits up to \
            --drain seconds for every subscriber to get the last change. Send and receipt times come from one \
            monotonic clock in this process. With --memory-pid the n-th process's VmRSS is sampled before the \
            connections, after the subscriptions (+ --settle s), at the end of the window and after the drain.
            """)

    @Option(help: "Lobby WebSocket URLs, comma-separated; subscribers are spread over them round-robin.")
    var urls: String = "ws://127.0.0.1:9000/lobby_api"
    @Option(help: "Where the admin connects (default: the first of --urls).")
    var adminURL: String?
    @Option(help: "Subscribed connections.")
    var subscribers: Int = 2000
    @Option(help: "Changes per second the admin sends.")
    var rate: Double = 50
    @Option(help: "Seconds measured.")
    var duration: Double = 10
    @Option(help: "Seconds of changes before measuring (not counted).")
    var warmup: Double = 2
    @Option(help: "Seconds allowed after the window for the last change to reach every subscriber.")
    var drain: Double = 10
    @Option(help: "Seconds between the last subscription and the memory sample before the changes.")
    var settle: Double = 2
    @Option(help: "Event-loop threads of the client.")
    var threads: Int = 1
    @Option(help: "Connections opened and subscribed at once.")
    var connectBatch: Int = 128
    @Option(help: "Seconds allowed for one connection to connect, upgrade, log in and receive table_list.")
    var connectTimeout: Double = 20
    @Option(help: "The table the admin updates (1 exists on a fresh lobby).")
    var tableID: Int64 = 1
    @Option(help: "Subscribers' username.")
    var username: String = "user"
    @Option(help: "Subscribers' password.")
    var password: String = "user"
    @Option(help: "Admin's username.")
    var adminUsername: String = "admin"
    @Option(help: "Admin's password.")
    var adminPassword: String = "admin"
    @Option(
        name: .customLong("observe-pid"),
        help: "Report the CPU time of this process and its descendants over the measured window (repeatable).")
    var observePIDs: [Int32] = []
    @Option(
        name: .customLong("memory-pid"),
        help: "NAME=PID: sample this process's VmRSS; the n-th serves the n-th URL (repeatable).")
    var memoryPIDs: [String] = []

    func validate() throws {
        let parsed = urls.split(separator: ",").map { WebSocketURL(String($0)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--urls must be ws://host[:port][/path] URLs, comma-separated")
        }
        if let adminURL, WebSocketURL(adminURL) == nil { throw ValidationError("--admin-url must be a ws:// URL") }
        guard (1...60_000).contains(subscribers) else { throw ValidationError("--subscribers must be 1…60000") }
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be > 0 and ≤ 100000") }
        guard duration > 0, warmup >= 0, drain >= 0, settle >= 0 else {
            throw ValidationError("--duration must be > 0; --warmup, --drain, --settle ≥ 0")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1…64") }
        guard (1...10_000).contains(connectBatch) else { throw ValidationError("--connect-batch must be 1…10000") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be > 0") }
        guard memoryPIDs.allSatisfy({ Self.memoryProcess($0) != nil }) else {
            throw ValidationError("--memory-pid must be NAME=PID")
        }
    }

    func run() async throws {
        let parsed = urls.split(separator: ",").compactMap { WebSocketURL(String($0)) }
        guard let first = parsed.first else { throw ValidationError("--urls is empty") }
        let admin = adminURL.flatMap(WebSocketURL.init) ?? first
        let configuration = LobbyLoadConfiguration(
            urls: parsed, adminURL: admin, subscribers: subscribers, rate: rate, warmupSeconds: warmup,
            durationSeconds: duration, drainSeconds: drain, settleSeconds: settle, threads: threads,
            connectBatch: connectBatch, connectTimeoutSeconds: connectTimeout, tableID: tableID, username: username,
            password: password, adminUsername: adminUsername, adminPassword: adminPassword, observedPIDs: observePIDs,
            memoryProcesses: memoryPIDs.compactMap(Self.memoryProcess))
        let result = try await LobbyLoadRunner(configuration: configuration).run()
        print(LobbyLoadReport(result: result, arguments: CommandLine.arguments).text)
        if result.deliveries.total.windowDeliveries == 0 { throw ExitCode(1) }
    }

    private static func memoryProcess(_ text: String) -> LobbyLoadConfiguration.MemoryProcess? {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, let pid = Int32(parts[1]), pid > 0 else { return nil }
        return LobbyLoadConfiguration.MemoryProcess(name: String(parts[0]), pid: pid)
    }
}
