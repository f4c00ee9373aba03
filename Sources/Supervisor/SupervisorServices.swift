import Fleet
import Foundation
package import Hummingbird
package import Logging
package import ServiceLifecycle
import Wire
import ZeroMQ

/// Builds the supervisor's services: the health/metrics listener and the fleet runner (control socket + children).
/// The runner is last, so on SIGTERM it drains the children before the health listener stops.
package func buildSupervisorServices(_ spec: FleetSpec, logger: Logger) throws -> [any Service] {
    let saved = try FleetState.load(folder: spec.dataDirectory)
    if let saved {
        logger.info(
            "fleet state loaded", metadata: ["workers": "\(saved.workers.map(\.id))", "epoch": "\(saved.epoch)"])
    }
    let registry = ProcessRegistry(spec: spec, saved: saved)
    let keyring: FleetKeyring?
    if spec.insecureLinks {
        logger.warning("ZeroMQ links are insecure (--insecure-links): anyone who reaches an endpoint is a peer")
        keyring = nil
    } else {
        do {
            keyring = try FleetKeyring(
                dataDirectory: spec.dataDirectory, localProcesses: registry.records.filter { !$0.external }.map(\.id),
                logger: logger)
        } catch {
            throw SupervisorStartError(description: "fleet keys: \(error)")
        }
        registry.setKeys(keyring?.keys ?? [:])
    }
    let controller = FleetController(spec: spec, registry: registry, keyring: keyring, logger: logger)
    let metrics = SupervisorMetrics()
    let products = spec.gateways.flatMap { g -> [(String, String)] in
        let host = g.listenHost == "0.0.0.0" ? "localhost" : g.listenHost
        let endpoints = [
            ("steps", "steps.websocket.\(g.id)", "ws://\(host):\(g.stepsWebSocketPort)"),
            ("steps", "steps.rest.\(g.id)", "http://\(host):\(g.stepsHTTPPort)"),
            ("stats", "stats.rest.\(g.id)", "http://\(host):\(g.statsHTTPPort)"),
            ("presence", "presence.rest.\(g.id)", "http://\(host):\(g.presencePort)"),
            ("presence", "presence.socketio.\(g.id)", "http://\(host):\(g.presencePort)/socket.io/"),
            ("lobby", "lobby.websocket.\(g.id)", "ws://\(host):\(g.lobbyPort)/lobby_api"),
            ("lobby", "lobby.rest.\(g.id)", "http://\(host):\(g.lobbyPort)/lobby_api"),
        ]
        return endpoints.filter { spec.products.contains($0.0) }.map { ($0.1, $0.2) }
    }
    let health = HealthRoutes(
        registry: registry, metrics: metrics, heartbeatTimeout: spec.heartbeatTimeout, products: products,
        links: LinkReport(keyring: keyring, controller: controller))
    let router = Router()
    if let token = spec.controlToken {
        router.middlewares.add(ControlAuthMiddleware(token: token, protectHealth: spec.protectHealth))
    }
    health.register(on: router)
    FleetRoutes(controller: controller).register(on: router)
    let app = ListenerService(
        Application(
            router: router,
            configuration: .init(address: .hostname(spec.healthHost, port: spec.healthPort), serverName: "switchyard"),
            logger: logger),
        process: "supervisor", purpose: "/health and the control API", host: spec.healthHost, port: spec.healthPort)
    return [app, FleetRunner(spec: spec, controller: controller, health: health, logger: logger)]
}

/// Why the supervisor cannot start.
struct SupervisorStartError: Error, CustomStringConvertible {
    let description: String
}

/// Binds the control socket, launches every process and keeps it running.
struct FleetRunner: Service {
    let spec: FleetSpec
    let controller: FleetController
    let health: HealthRoutes
    let logger: Logger
    /// How often moves, removals and silent processes are checked.
    private let reconcileInterval: Duration = .milliseconds(20)

    private var registry: ProcessRegistry { controller.registry }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: spec.dataDirectory, withIntermediateDirectories: true)
        try DataFolderManifest.check(folder: spec.dataDirectory, partitionCount: spec.partitionCount)
        let engine = ZMQEngine(name: "supervisor", logger: logger, maxMessageSize: spec.maxWireMessageBytes)
        let keyring = controller.keyring
        // The ZAP handler before the control socket: a CURVE server bound without one refuses every peer.
        let zap = try await keyring?.authenticator.bind(on: engine)
        let control = ControlService(registry: registry, engine: engine, keyring: keyring, logger: logger)
        let endpoint = try await control.bind(spec.controlEndpoint)
        logger.info("supervisor control socket bound", metadata: ["endpoint": "\(endpoint)"])
        let heartbeatMs = "\(Int(spec.heartbeatInterval / .milliseconds(1)))"
        controller.started(control: control, endpoint: endpoint)
        for r in registry.records where r.role == .worker && !r.external { controller.launchWorker(r.id) }
        var gateways: [ChildProcess] = []
        for g in spec.gateways where spec.launches(g.id) {
            let args =
                [
                    "gateway", "--id", g.id, "--supervisor", endpoint, "--listen-host", g.listenHost,
                    "--steps-http-port", "\(g.stepsHTTPPort)", "--steps-ws-port", "\(g.stepsWebSocketPort)",
                    "--stats-http-port", "\(g.statsHTTPPort)", "--presence-port", "\(g.presencePort)",
                    "--lobby-port", "\(g.lobbyPort)",
                    "--heartbeat-ms", heartbeatMs, "--exit-when-orphaned",
                ] + (try controller.linkArguments(g.id)) + spec.gatewayArguments
            gateways.append(child(g.id, args, control))
        }
        let (gatewaysGone, gatewaysGoneSignal) = AsyncStream.makeStream(of: Never.self)
        let gatewayChildren = gateways
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await control.run() }
            if let keyring, let zap {
                group.addTask { await keyring.authenticator.serve(zap, on: engine) }
            }
            group.addTask { await announceWhenHealthy() }
            group.addTask {
                var tick = 0
                while !Task.isCancelled {
                    controller.reconcile()
                    tick += 1
                    // A key file added, replaced or removed takes effect within half a second.
                    if tick % 25 == 0 { controller.refreshKeys() }
                    try? await Task.sleep(for: reconcileInterval)
                }
            }
            // The processes run until shutdown; then the control loop and the announcer stop too.
            await withTaskGroup(of: Void.self) { processes in
                processes.addTask {
                    await withTaskGroup(of: Void.self) { running in
                        for gateway in gatewayChildren {
                            running.addTask { try? await cancelWhenGracefulShutdown { await gateway.run() } }
                        }
                    }
                    gatewaysGoneSignal.finish()
                }
                processes.addTask {
                    // Workers stop after the last gateway, so commands still in flight get their replies.
                    for await _ in gatewaysGone {}
                    await controller.stopAllWorkers()
                }
            }
            group.cancelAll()
        }
        await engine.shutdown()
        logger.info("fleet stopped")
    }

    private func child(_ id: String, _ args: [String], _ control: ControlService) -> ChildProcess {
        ChildProcess(
            id: id, executable: spec.executable, arguments: args, registry: registry, control: control,
            logger: logger, stopGrace: .seconds(10))
    }

    /// Prints where each product listens the first time the whole fleet is healthy.
    private func announceWhenHealthy() async {
        while !Task.isCancelled {
            if health.report().0 {
                var lines = [
                    "switchyard: fleet ready (\(spec.workerIDs.count) workers, \(spec.partitionCount) partitions)"
                ]
                for (name, url) in health.products { lines.append("  \(name): \(url)") }
                lines.append("  health: http://\(spec.healthHost):\(spec.healthPort)/health")
                lines.append("  fleet page: http://\(spec.healthHost):\(spec.healthPort)/")
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
