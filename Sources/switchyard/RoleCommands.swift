import ArgumentParser
import Fleet
import Foundation
import Gateway
import GatewayCore
import Logging
import Presence
import ServiceLifecycle
import Steps
import Storage
import Wire
import Worker

/// Options that tie a process to its supervisor.
struct MembershipOptions: ParsableArguments {
    @Option(help: "Process id, unique in the fleet (w1, g1, …).")
    var id: String
    @Option(help: "ZeroMQ endpoint of the supervisor's control socket.")
    var supervisor: String
    @Option(help: "Heartbeat period in milliseconds.")
    var heartbeatMs: Int = 250
    @Flag(help: "Exit when the parent process (the launching supervisor) is gone.")
    var exitWhenOrphaned = false
    @Option(help: "Update ids remembered per user for exactly-once.")
    var dedupeWindow: Int = 10_000
    @Option(help: "Largest frame accepted on any ZeroMQ socket, in bytes; a peer sending more is disconnected.")
    var maxWireMessageBytes: Int = WireConstants.defaultMaxMessageBytes
    @Option(
        help:
            "This process's fleet key file (made by the supervisor for its own host's processes, by `switchyard keys issue ID` for other hosts)."
    )
    var keyFile: String?
    @Flag(help: "ZeroMQ links without CURVE authentication and encryption (debugging only).")
    var insecureLinks = false

    func validate() throws {
        guard maxWireMessageBytes >= 64 << 10 else {
            throw ValidationError("--max-wire-message-bytes must be at least 65536")
        }
        try SettingChecks.positive(heartbeatMs, "--heartbeat-ms")
        guard (keyFile != nil) != insecureLinks else {
            throw ValidationError(
                "give exactly one of --key-file (the key `switchyard keys issue \(id)` made) and --insecure-links")
        }
    }

    /// How the process secures its links, from its key file.
    func linkSecurity() throws -> LinkSecurity {
        guard let keyFile else { return .insecure }
        do { return try LinkSecurity.load(keyFile: keyFile, process: id) } catch {
            throw ValidationError("--key-file: \(error)")
        }
    }
}

/// `switchyard worker`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one worker: own partitions, apply and commit commands.")

    @OptionGroup var membership: MembershipOptions
    @OptionGroup var common: CommonOptions
    @Option(help: "Folder for the partitions' SQLite files.")
    var data: String = "./data"
    @Option(help: "ZeroMQ endpoint to bind for commands (a * port picks a free one).")
    var commandEndpoint: String = "tcp://127.0.0.1:*"
    @Option(help: "ZeroMQ endpoint to bind for replies and events.")
    var publishEndpoint: String = "tcp://127.0.0.1:*"
    @Option(help: "Commit durability: full or normal.")
    var durability: String = "full"
    @Option(help: "Threads that run the partitions' transactions (and bound the fsyncs in flight).")
    var commitThreads: Int = 2
    @Option(help: "With full durability: one syncfs per commit round (round) or one fsync per transaction.")
    var durableSync: String = "round"
    @Option(
        help:
            "Where the reads of an idle partition run: io-thread (at once, from a read-only connection) or commit-thread (queued like writes; for data much larger than memory)."
    )
    var reads: String = "io-thread"
    @Option(
        help:
            "Stop serving after this many milliseconds without word from the supervisor (workers of other hosts; 0: off). Must be shorter than the supervisor's unresponsive timeout."
    )
    var leaseMs: Int = 0
    @Option(help: "Host or address announced in this worker's endpoints (when binding 0.0.0.0).")
    var advertiseHost: String?

    func validate() throws {
        guard leaseMs >= 0 else { throw ValidationError("--lease-ms must be 0 or more") }
        guard Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be full or normal")
        }
        guard ["round", "transaction"].contains(durableSync) else {
            throw ValidationError("--durable-sync must be round or transaction")
        }
        guard ["io-thread", "commit-thread"].contains(reads) else {
            throw ValidationError("--reads must be io-thread or commit-thread")
        }
    }

    func run() async throws {
        let logger = common.startProcess("switchyard.worker.\(membership.id)")
        var config = WorkerConfiguration(
            id: membership.id, supervisorEndpoint: membership.supervisor, dataDirectory: data,
            commandEndpoint: commandEndpoint, publishEndpoint: publishEndpoint,
            durability: Durability(rawValue: durability) ?? .full, commitThreads: commitThreads,
            roundBarrier: durableSync != "transaction",
            heartbeatInterval: .milliseconds(membership.heartbeatMs),
            stepsLimits: StepsLimits(dedupeWindow: membership.dedupeWindow),
            exitWhenOrphaned: membership.exitWhenOrphaned, presenceSettings: try presenceSettings())
        config.lease = leaseMs > 0 ? .milliseconds(leaseMs) : nil
        config.maxWireMessageBytes = membership.maxWireMessageBytes
        config.advertiseHost = advertiseHost
        config.readsOnIOThread = reads == "io-thread"
        config.security = try membership.linkSecurity()
        let group = ServiceGroup(
            configuration: .init(
                services: try await WorkerServices.build(config, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await runRole(group, logger: logger)
    }
}

/// `switchyard gateway`.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "Run one gateway: product listeners that route commands to workers.")

    @OptionGroup var membership: MembershipOptions
    @OptionGroup var common: CommonOptions
    @Option(help: "Address the product listeners bind to.")
    var listenHost: String = "0.0.0.0"
    @Option(help: "Step tracker REST port.")
    var stepsHTTPPort: Int = 8080
    @Option(help: "Step tracker WebSocket port.")
    var stepsWSPort: Int = 8081
    @Option(help: "Learning stats REST port.")
    var statsHTTPPort: Int = 3000
    @Option(help: "Presence REST and Socket.IO port.")
    var presencePort: Int = 3456
    @Option(help: "Lobby WebSocket and REST port.")
    var lobbyPort: Int = 9000
    @Option(help: "Products to serve, comma-separated: steps, stats, presence, lobby.")
    var products: String = "steps,stats,presence,lobby"
    @Option(help: "Socket.IO (Engine.IO) pingInterval in milliseconds.")
    var socketioPingIntervalMs: Int = 25_000
    @Option(help: "Socket.IO (Engine.IO) pingTimeout in milliseconds.")
    var socketioPingTimeoutMs: Int = 20_000
    @Option(help: "REST request deadline in milliseconds (then 503).")
    var requestTimeoutMs: Int = 5000
    @Option(help: "Largest WebSocket message in bytes.")
    var maxFrameBytes: Int = 64 * 1024
    @Option(help: "Updates of one WebSocket connection in flight before the gateway stops reading it.")
    var maxInFlight: Int = 1024
    @OptionGroup var limits: ConnectionLimitOptions

    func validate() throws {
        guard GatewayProduct.list(products) != nil else {
            throw ValidationError("--products must list some of: steps, stats, presence, lobby (comma-separated)")
        }
        try SettingChecks.positive(requestTimeoutMs, "--request-timeout-ms")
        try SettingChecks.positive(socketioPingIntervalMs, "--socketio-ping-interval-ms")
        try SettingChecks.positive(socketioPingTimeoutMs, "--socketio-ping-timeout-ms")
        for (port, flag) in [
            (stepsHTTPPort, "--steps-http-port"), (stepsWSPort, "--steps-ws-port"),
            (statsHTTPPort, "--stats-http-port"),
            (presencePort, "--presence-port"), (lobbyPort, "--lobby-port"),
        ] {
            try SettingChecks.port(port, flag)
        }
    }

    func run() async throws {
        let logger = common.startProcess("switchyard.gateway.\(membership.id)")
        var fleet = FleetClient.Configuration(
            id: membership.id, supervisorEndpoint: membership.supervisor,
            heartbeatInterval: .milliseconds(membership.heartbeatMs),
            requestTimeout: .milliseconds(requestTimeoutMs), exitWhenOrphaned: membership.exitWhenOrphaned)
        fleet.maxWireMessageBytes = membership.maxWireMessageBytes
        fleet.security = try membership.linkSecurity()
        var config = GatewayConfiguration(
            fleet: fleet, listenHost: listenHost, stepsHTTPPort: stepsHTTPPort, stepsWebSocketPort: stepsWSPort,
            maxFrameSize: maxFrameBytes, maxInFlightPerConnection: maxInFlight,
            stepsLimits: StepsLimits(dedupeWindow: membership.dedupeWindow), statsHTTPPort: statsHTTPPort,
            products: GatewayProduct.list(products) ?? Set(GatewayProduct.allCases), presencePort: presencePort,
            presenceSettings: try presenceSettings())
        config.lobbyPort = lobbyPort
        limits.apply(to: &config)
        config.descriptorLimit = DescriptorLimit.current().soft
        config.socketIOPingInterval = .milliseconds(max(1, socketioPingIntervalMs))
        config.socketIOPingTimeout = .milliseconds(max(1, socketioPingTimeoutMs))
        let group = ServiceGroup(
            configuration: .init(
                services: buildGatewayServices(config, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await runRole(group, logger: logger)
    }
}

/// Runs a gateway's or worker's services. One whose supervisor is gone (`--exit-when-orphaned`) has stopped its
/// services in order and exits 3: the process is decided here, not in the library that noticed.
func runRole(_ group: ServiceGroup, logger: Logger) async throws {
    do {
        try await group.run()
    } catch let orphaned as FleetMembership.Orphaned {
        logger.error("stopped: the supervisor that launched this process is gone", metadata: ["id": "\(orphaned.id)"])
        exit(3)
    }
}

/// Presence settings from the environment (contracts §3: the original's variable names).
func presenceSettings() throws -> PresenceSettings {
    do {
        return try PresenceSettings(environment: ProcessInfo.processInfo.environment)
    } catch {
        throw ValidationError("\(error)")
    }
}
