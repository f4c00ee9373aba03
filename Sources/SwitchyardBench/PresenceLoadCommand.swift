import ArgumentParser

/// `switchyard-bench presence-load`: Socket.IO clients pinging their presence at a steady aggregate rate.
struct PresenceLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presence-load",
        abstract: "Socket.IO clients emit user-ping at a steady rate; measure pings handled and broadcast delivery.",
        discussion: """
            Each client connects over WebSocket only (Engine.IO 4, Socket.IO 5), sends CONNECT, answers Engine.IO \
            pings, and registers user <first-user-id + i> with one `available` ping. Then the clients together offer \
            --rate pings/s, evenly spread; every ping flips the client's status (busy, available, …) and is timed \
            until the sender receives an online-users-list showing it. A client whose previous ping has not shown up \
            yet skips its slot. The first --observers clients also time every other client's pings. With \
            --gateway-pid the gateway's VmRSS is read before connecting, after --idle seconds with every client \
            connected, after registration, over the load and after closing.
            """)

    @Option(help: "Socket.IO WebSocket URL.")
    var url: String = "ws://127.0.0.1:3456/socket.io/?EIO=4&transport=websocket"
    @Option(help: "Number of Socket.IO clients.")
    var clients: Int = 200
    @Option(help: "Pings per second offered by all clients together.")
    var rate: Double = 200
    @Option(help: "Seconds measured.")
    var duration: Double = 15
    @Option(help: "Seconds of load before measuring (not counted).")
    var warmup: Double = 3
    @Option(help: "Longest wait after the measured window for the last pings to show up.")
    var drain: Double = 10
    @Option(help: "Seconds every client stays connected and idle before the gateway's memory is read.")
    var idle: Double = 3
    @Option(help: "Clients that also time the other clients' pings (each parses every list it receives).")
    var observers: Int = 4
    @Option(help: "User id of the first client; client i is user <first-user-id + i>.")
    var firstUserID: Int = 1
    @Option(help: "Event-loop threads of the client.")
    var threads: Int = 1
    @Option(help: "Seconds allowed for one client to connect (TCP, WebSocket upgrade, Socket.IO connect).")
    var connectTimeout: Double = 10
    @Option(help: "Seconds allowed for every client to see its registration ping.")
    var registerTimeout: Double = 30
    @Option(name: .customLong("gateway-pid"), help: "Read this process's memory (the gateway) between phases.")
    var gatewayPID: Int32?
    @Option(
        name: .customLong("observe-pid"),
        help: "Report the CPU time of this process and its descendants over the measured window (repeatable).")
    var observePIDs: [Int32] = []

    func validate() throws {
        guard WebSocketURL(url) != nil else { throw ValidationError("--url must be ws://host[:port][/path][?query]") }
        guard (1...60_000).contains(clients) else { throw ValidationError("--clients must be 1…60000") }
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be > 0") }
        guard duration > 0, warmup >= 0, drain >= 0, idle >= 0 else {
            throw ValidationError("--duration must be > 0; --warmup, --drain, --idle ≥ 0")
        }
        guard observers >= 0 else { throw ValidationError("--observers must be ≥ 0") }
        guard firstUserID >= 0, firstUserID <= Int(Int32.max) else {
            throw ValidationError("--first-user-id must be 0…2147483647")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1…64") }
        guard connectTimeout > 0, registerTimeout > 0 else { throw ValidationError("timeouts must be > 0") }
    }

    func run() async throws {
        guard let url = WebSocketURL(url) else { throw ValidationError("--url is not a ws:// URL") }
        let configuration = PresenceLoadConfiguration(
            url: url, clients: clients, rate: rate, warmupSeconds: warmup, durationSeconds: duration,
            drainSeconds: drain, idleSeconds: idle, observers: observers, firstUserID: firstUserID, threads: threads,
            connectTimeoutSeconds: connectTimeout, registerTimeoutSeconds: registerTimeout, gatewayPID: gatewayPID,
            observedPIDs: observePIDs)
        let result = try await PresenceLoadRunner(configuration: configuration).run()
        print(PresenceLoadReport(result: result, arguments: CommandLine.arguments).text)
        if result.statistics.measuredObserved == 0 { throw ExitCode(1) }
    }
}
