import ArgumentParser
import Foundation
import Gateway
import Supervisor
import Wire

/// Options that describe a fleet run by one supervisor on this machine.
struct FleetOptions: ParsableArguments {
    @Option(help: "Folder for the partitions' SQLite files.")
    var data: String = "./data"
    @Option(help: "A fleet file (JSON: hosts, workers, gateways; docs/operations.md) instead of --workers/--gateways.")
    var fleet: String?
    @Option(help: "Number of worker processes.")
    var workers: Int = 2
    @Option(help: "Number of gateway processes (each needs its own ports; see --port-stride).")
    var gateways: Int = 1
    @Option(help: "Number of partitions; fixed when the fleet's data folder is created.")
    var partitions: Int = 64
    @Option(help: "Address the product listeners bind to.")
    var listenHost: String = "0.0.0.0"
    @Option(help: "Step tracker REST port of the first gateway.")
    var stepsHTTPPort: Int = 8080
    @Option(help: "Step tracker WebSocket port of the first gateway.")
    var stepsWSPort: Int = 8081
    @Option(help: "Learning stats REST port of the first gateway.")
    var statsHTTPPort: Int = 3000
    @Option(help: "Presence REST and Socket.IO port of the first gateway.")
    var presencePort: Int = 3456
    @Option(help: "Lobby WebSocket and REST port of the first gateway.")
    var lobbyPort: Int = 9000
    @Option(help: "Products the gateways serve, comma-separated: steps, stats, presence, lobby.")
    var products: String = "steps,stats,presence,lobby"
    @Option(help: "Socket.IO (Engine.IO) pingInterval in milliseconds.")
    var socketioPingIntervalMs: Int = 25_000
    @Option(help: "Socket.IO (Engine.IO) pingTimeout in milliseconds.")
    var socketioPingTimeoutMs: Int = 20_000
    @OptionGroup var limits: ConnectionLimitOptions
    @Option(help: "Added to every port of gateway n for gateway n+1.")
    var portStride: Int = 10_000
    @Option(help: "Address of /health and /metrics.")
    var healthHost: String = "127.0.0.1"
    @Option(help: "Port of /health and /metrics.")
    var healthPort: Int = 9100
    @Option(
        help:
            "File holding the control API's bearer token (default: control.token in the data folder, made on first start; SWITCHYARD_CONTROL_TOKEN overrides)."
    )
    var controlTokenFile: String?
    @Flag(help: "Require the control token for /health and /metrics too.")
    var protectHealth = false
    @Option(
        help: "Largest frame any process accepts on a ZeroMQ socket, in bytes; a peer sending more is disconnected.")
    var maxWireMessageBytes: Int = WireConstants.defaultMaxMessageBytes
    @Flag(
        help:
            "ZeroMQ links without CURVE authentication and encryption (debugging only; shown in /health). By default every process has a key in the data folder's keys/."
    )
    var insecureLinks = false
    @Option(help: "ZeroMQ endpoint of the supervisor's control socket (a * port picks a free one).")
    var controlEndpoint: String = "tcp://127.0.0.1:*"
    @Option(help: "Commit durability: full (fsync every group commit) or normal (survives process kill only).")
    var durability: String = "full"
    @Option(help: "Threads per worker that run the partitions' transactions (and bound its fsyncs in flight).")
    var commitThreads: Int = 2
    @Option(
        help: "With full durability: one syncfs per commit round on each worker (round), or one fsync per transaction.")
    var durableSync: String = "round"
    @Option(
        help:
            "Where a worker runs the reads of an idle partition: io-thread (at once, from a read-only connection) or commit-thread (queued like writes; for data much larger than memory)."
    )
    var reads: String = "io-thread"
    @Option(help: "Heartbeat period of every process, in milliseconds.")
    var heartbeatMs: Int = 250
    @Option(
        help:
            "A process of this host silent this many milliseconds is killed and restarted; a worker of another host, taken as gone."
    )
    var unresponsiveTimeoutMs: Int = 10_000
    @Option(help: "REST request deadline at the gateway, in milliseconds (then 503).")
    var requestTimeoutMs: Int = 5000
    @Option(help: "Largest WebSocket message in bytes; larger ones close the connection with 1009.")
    var maxFrameBytes: Int = 64 * 1024
    @Option(help: "Update ids remembered per user for exactly-once.")
    var dedupeWindow: Int = 10_000

    func validate() throws {
        guard maxWireMessageBytes >= 64 << 10 else {
            throw ValidationError("--max-wire-message-bytes must be at least 65536")
        }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        try SettingChecks.positive(heartbeatMs, "--heartbeat-ms")
        try SettingChecks.positive(requestTimeoutMs, "--request-timeout-ms")
        try SettingChecks.positive(socketioPingIntervalMs, "--socketio-ping-interval-ms")
        try SettingChecks.positive(socketioPingTimeoutMs, "--socketio-ping-timeout-ms")
        try SettingChecks.port(healthPort, "--health-port")
        guard portStride >= 1 else { throw ValidationError("--port-stride must be at least 1") }
        try SettingChecks.gatewayPorts(
            [
                (stepsHTTPPort, "--steps-http-port"), (stepsWSPort, "--steps-ws-port"),
                (statsHTTPPort, "--stats-http-port"), (presencePort, "--presence-port"), (lobbyPort, "--lobby-port"),
            ], stride: portStride, gateways: gateways)
        guard unresponsiveTimeoutMs > heartbeatMs * 2 else {
            throw ValidationError("--unresponsive-timeout-ms must be more than two heartbeats")
        }
        guard gateways >= 1 else { throw ValidationError("--gateways must be at least 1") }
        guard (1...4096).contains(partitions) else { throw ValidationError("--partitions must be 1…4096") }
        guard (1...256).contains(commitThreads) else { throw ValidationError("--commit-threads must be 1…256") }
        guard ["io-thread", "commit-thread"].contains(reads) else {
            throw ValidationError("--reads must be io-thread or commit-thread")
        }
        guard ["round", "transaction"].contains(durableSync) else {
            throw ValidationError("--durable-sync must be round or transaction")
        }
        guard GatewayProduct.list(products) != nil else {
            throw ValidationError("--products must list some of: steps, stats, presence, lobby (comma-separated)")
        }
        guard ["full", "normal"].contains(durability) else {
            throw ValidationError("--durability must be full or normal")
        }
    }

    /// The fleet to run: the command line's, with the fleet file's topology when one is given.
    func spec() throws -> FleetSpec {
        var spec = commandLineSpec()
        if let fleet {
            do { spec = try FleetFile.load(fleet).apply(to: spec) } catch {
                throw ValidationError("fleet file \(fleet): \(error)")
            }
        }
        let file = controlTokenFile ?? (spec.dataDirectory as NSString).appendingPathComponent(ControlToken.fileName)
        do {
            spec.controlToken = try ControlToken.resolve(file: file, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("control token: \(error)")
        }
        spec.protectHealth = protectHealth
        spec.maxWireMessageBytes = maxWireMessageBytes
        spec.insecureLinks = insecureLinks
        return spec
    }

    private func commandLineSpec() -> FleetSpec {
        var spec = baseSpec()
        spec.unresponsiveTimeout = .milliseconds(unresponsiveTimeoutMs)
        return spec
    }

    private func baseSpec() -> FleetSpec {
        let gatewaySpecs = (0..<gateways).map { n in
            FleetSpec.GatewaySpec(
                id: "g\(n + 1)", listenHost: listenHost, stepsHTTPPort: stepsHTTPPort + n * portStride,
                stepsWebSocketPort: stepsWSPort + n * portStride, statsHTTPPort: statsHTTPPort + n * portStride,
                presencePort: presencePort + n * portStride, lobbyPort: lobbyPort + n * portStride)
        }
        let dataFolder = URL(fileURLWithPath: data).standardizedFileURL.path
        return FleetSpec(
            partitionCount: partitions, workerIDs: (1...workers).map { "w\($0)" }, gateways: gatewaySpecs,
            dataDirectory: dataFolder, controlEndpoint: controlEndpoint, healthHost: healthHost,
            healthPort: healthPort, executable: Self.currentExecutable(),
            workerArguments: [
                "--max-wire-message-bytes", "\(maxWireMessageBytes)",
                "--durability", durability, "--dedupe-window", "\(dedupeWindow)",
                "--commit-threads", "\(commitThreads)", "--durable-sync", durableSync,
            ]
                // Only when not the default: a worker of the previous release, which a roll may go back to, does
                // not know the option (docs/protocol.md §5.8).
                + (reads == "io-thread" ? [] : ["--reads", reads]),
            gatewayArguments: [
                "--max-wire-message-bytes", "\(maxWireMessageBytes)",
                "--request-timeout-ms", "\(requestTimeoutMs)", "--max-frame-bytes", "\(maxFrameBytes)",
                "--dedupe-window", "\(dedupeWindow)", "--products", products,
                "--socketio-ping-interval-ms", "\(socketioPingIntervalMs)",
                "--socketio-ping-timeout-ms", "\(socketioPingTimeoutMs)",
            ] + limits.arguments,
            products: GatewayProduct.allCases.filter { GatewayProduct.list(products)?.contains($0) ?? true }
                .map(\.rawValue),
            heartbeatInterval: .milliseconds(heartbeatMs), heartbeatTimeout: .milliseconds(max(2000, heartbeatMs * 8)))
    }

    /// The running binary, so children are the same build as their supervisor.
    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
