import Fleet
import Foundation
package import Hummingbird
package import Logging
package import ServiceLifecycle
import Wire
import ZeroMQ

/// Binds the supervisor's sockets and returns its services in start order: the ZeroMQ engine, the health and
/// control API, the control socket, the ZAP handler, the control loop, the announcer, the workers and the gateways.
/// The `ServiceGroup` stops them in reverse, each once the one after it has returned: on SIGTERM the gateways drain
/// first, then the workers stop (so commands in flight get their replies), then the loops, the API, and last the
/// engine.
package func buildSupervisorServices(_ spec: FleetSpec, logger: Logger) async throws
    -> [ServiceGroupConfiguration.ServiceConfiguration]
{
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
    LobbyUserRoutes(controller: controller).register(on: router)
    let app = ListenerService(
        Application(
            router: router,
            configuration: .init(address: .hostname(spec.healthHost, port: spec.healthPort), serverName: "switchyard"),
            logger: logger),
        process: "supervisor", purpose: "/health and the control API", host: spec.healthHost, port: spec.healthPort)
    try FileManager.default.createDirectory(atPath: spec.dataDirectory, withIntermediateDirectories: true)
    try DataFolderManifest.check(folder: spec.dataDirectory, partitionCount: spec.partitionCount)
    let engine = ZMQEngine(name: "supervisor", logger: logger, maxMessageSize: spec.maxWireMessageBytes)
    do {
        let fleet = try await FleetServices.bind(
            spec: spec, controller: controller, health: health, engine: engine, logger: logger)
        let engineService = ProcessPart("ZeroMQ engine", cancelOnShutdown: false) {
            try? await gracefulShutdown()
            await engine.shutdown()
            logger.info("fleet stopped")
        }
        return [.init(service: engineService), .init(service: app)] + fleet
    } catch {
        await engine.shutdown()
        throw error
    }
}

/// Why the supervisor cannot start.
struct SupervisorStartError: Error, CustomStringConvertible {
    let description: String
}

/// The parts of the supervisor that run the fleet: the control socket, the ZAP handler, the control loop, the
/// announcer, and the worker and gateway processes.
enum FleetServices {
    /// How often moves, removals and silent processes are checked.
    static let reconcileInterval: Duration = .milliseconds(20)

    /// Binds the control socket (after the ZAP handler: a CURVE server bound without one refuses every peer) and
    /// returns the services, in start order.
    static func bind(
        spec: FleetSpec, controller: FleetController, health: HealthRoutes, engine: ZMQEngine, logger: Logger
    ) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let registry = controller.registry
        let keyring = controller.keyring
        let zap = try await keyring?.authenticator.bind(on: engine)
        let control = ControlService(registry: registry, engine: engine, keyring: keyring, logger: logger)
        let endpoint = try await control.bind(spec.controlEndpoint)
        logger.info("supervisor control socket bound", metadata: ["endpoint": "\(endpoint)"])
        let heartbeatMs = "\(Int(spec.heartbeatInterval / .milliseconds(1)))"
        controller.started(control: control, endpoint: endpoint)
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
            gateways.append(
                ChildProcess(
                    id: g.id, executable: spec.executable, arguments: args, registry: registry, control: control,
                    logger: logger, stopGrace: .seconds(10)))
        }
        let gatewayChildren = gateways
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ProcessPart("control socket") { await control.run() })
        ]
        if let keyring, let zap {
            services.append(
                .init(service: ProcessPart("ZAP handler") { await keyring.authenticator.serve(zap, on: engine) }))
        }
        services.append(
            .init(
                service: ProcessPart("control loop") {
                    var tick = 0
                    while !Task.isCancelled {
                        controller.reconcile()
                        tick += 1
                        // A key file added, replaced or removed takes effect within half a second.
                        if tick % 25 == 0 { controller.refreshKeys() }
                        try await Task.sleep(for: reconcileInterval)
                    }
                }))
        // A part that is done early still runs until the shutdown reaches it: the service group takes a part that
        // ends on its own while another one stops as a failure.
        services.append(
            .init(
                service: ProcessPart("announcer") {
                    await announceWhenHealthy(spec: spec, health: health)
                    try await gracefulShutdown()
                }))
        services.append(
            .init(
                service: ProcessPart("workers", cancelOnShutdown: false) {
                    for r in registry.records where r.role == .worker && !r.external { controller.launchWorker(r.id) }
                    // Until the gateways have stopped (they come after in the group, so they stop first).
                    try? await withGracefulShutdownHandler {
                        await controller.runWorkers()
                    } onGracefulShutdown: {
                        controller.stopAllWorkers()
                    }
                }))
        services.append(
            .init(
                service: ProcessPart("gateways") {
                    await withTaskGroup(of: Void.self) { running in
                        for gateway in gatewayChildren { running.addTask { await gateway.run() } }
                    }
                    // None runs on this host (they all run elsewhere).
                    try await gracefulShutdown()
                }))
        return services
    }

    /// Prints where each product listens the first time the whole fleet is healthy.
    static func announceWhenHealthy(spec: FleetSpec, health: HealthRoutes) async {
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
