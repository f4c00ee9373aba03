public import Hummingbird
import HummingbirdWebSocket
import Lobby
public import Logging
public import ServiceLifecycle
import SocketIO
import Stats
import Steps
import Synchronization

/// Builds a gateway process's services in dependency order: the fleet link first (it stops last), then one
/// listener per port of each product the gateway serves.
public func buildGatewayServices(_ configuration: GatewayConfiguration, logger: Logger) -> [any Service] {
    var fleetConfiguration = configuration.fleet
    // The gateway reports itself ready once every listener built below is bound.
    let products = GatewayProduct.allCases.filter { configuration.products.contains($0) }
    fleetConfiguration.listeners = products.map(\.listenerCount).reduce(0, +)
    let fleet = FleetClient(configuration: fleetConfiguration, logger: logger)
    let socketIOServer = Mutex<SocketIOServer?>(nil)
    let drain = WebSocketDrain(timeout: configuration.drainTimeout, logger: logger) {
        socketIOServer.withLock { $0 }?.closeAllSessions()
    }
    var hubs: [any Service] = []
    let listeners = products.flatMap { product -> [any Service] in
        switch product {
        case .steps: return stepsListeners(configuration, fleet: fleet, drain: drain, logger: logger)
        case .stats: return [statsListener(configuration, fleet: fleet, logger: logger)]
        case .presence:
            let hub = PresenceHub(fleet: fleet, settings: configuration.presenceSettings, logger: logger)
            var engine = EngineIOConfiguration.default
            engine.pingInterval = configuration.socketIOPingInterval
            engine.pingTimeout = configuration.socketIOPingTimeout
            engine.maxPayload = configuration.socketIOMaxPayload
            let socketIO = SocketIOServer(
                fleet: fleet, hub: hub, engine: engine, maxQueuedFrames: configuration.socketIOMaxQueuedFrames,
                maxQueuedBytes: configuration.socketIOMaxQueuedBytes, logger: logger)
            hubs += [hub, socketIO]
            socketIOServer.withLock { $0 = socketIO }
            return [presenceListener(configuration, fleet: fleet, hub: hub, socketIO: socketIO, logger: logger)]
        case .lobby:
            let hub = LobbyHub(
                fleet: fleet, maxQueuedMessages: configuration.lobbyMaxQueuedMessages,
                maxQueuedBytes: configuration.lobbyMaxQueuedBytes, logger: logger)
            hubs.append(hub)
            return [lobbyListener(configuration, fleet: fleet, hub: hub, drain: drain, logger: logger)]
        }
    }
    assert(listeners.count == fleetConfiguration.listeners, "listenerCount must count every listener")
    // Shut down in reverse: the WebSocket drain first, then the listeners (stop accepting, finish HTTP requests),
    // the presence hub and Socket.IO sessions, and the fleet link last.
    return [fleet] + hubs + listeners + [drain]
}

extension GatewayProduct {
    /// The ports the product listens on.
    fileprivate var listenerCount: Int {
        switch self {
        case .steps: 2
        case .stats: 1
        case .presence: 1
        case .lobby: 1
        }
    }
}

/// An HTTP listener on `port` whose binding counts towards the gateway's readiness.
private func listener(
    _ router: Router<BasicRequestContext>, port: Int, _ configuration: GatewayConfiguration, fleet: FleetClient,
    logger: Logger
) -> some Service {
    Application(
        router: router,
        configuration: .init(address: .hostname(configuration.listenHost, port: port), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
}

/// The step tracker: REST reads and the WebSocket for updates (contracts §1).
private func stepsListeners(
    _ configuration: GatewayConfiguration, fleet: FleetClient, drain: WebSocketDrain, logger: Logger
) -> [any Service] {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    StepsRoutes(fleet: fleet, limits: configuration.stepsLimits).register(on: router)
    let rest = listener(router, port: configuration.stepsHTTPPort, configuration, fleet: fleet, logger: logger)

    let handler = StepsWebSocketHandler(
        fleet: fleet, validator: StepsValidator(limits: configuration.stepsLimits),
        maxMessageSize: configuration.maxFrameSize, maxInFlight: configuration.maxInFlightPerConnection,
        updateTimeout: .seconds(30), drain: drain)
    let wsRouter = Router()
    wsRouter.middlewares.add(JSONErrorMiddleware())
    let webSocket = Application(
        router: wsRouter,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                ws: .init(
                    maxFrameSize: configuration.maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)),
                    // RFC 6455 and the original server (Node's ws) close a text frame of invalid UTF-8 with 1007.
                    validateUTF8: true))
        ) { request, _, _ in
            // Any path upgrades (contracts §1); the original clients use `/`.
            let acks = StepsWebSocketHandler.wantsAcks(request)
            return .upgrade([:]) { inbound, outbound, context in
                try await handler.handle(inbound: inbound, outbound: outbound, acks: acks, logger: context.logger)
            }
        },
        configuration: .init(
            address: .hostname(configuration.listenHost, port: configuration.stepsWebSocketPort),
            serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
    return [rest, webSocket]
}

/// Learning stats: REST and its OpenAPI document (contracts §2).
private func statsListener(_ configuration: GatewayConfiguration, fleet: FleetClient, logger: Logger)
    -> any Service
{
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    StatsRoutes(
        fleet: fleet, validator: StatsValidator(limits: configuration.statsLimits),
        openAPIDocument: StatsOpenAPIDocument.yaml
    ).register(on: router)
    return listener(router, port: configuration.statsHTTPPort, configuration, fleet: fleet, logger: logger)
}

/// Presence: REST and Socket.IO on one port (contracts §3). WebSocket upgrades of `/socket.io/` go to the Socket.IO
/// server; every other request, polling included, to the router.
private func presenceListener(
    _ configuration: GatewayConfiguration, fleet: FleetClient, hub: PresenceHub, socketIO: SocketIOServer,
    logger: Logger
) -> any Service {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    PresenceRoutes(
        fleet: fleet, hub: hub, settings: configuration.presenceSettings, maxBodyBytes: 64 * 1024,
        syncTimeout: configuration.fleet.requestTimeout
    ).register(on: router)
    socketIO.register(on: router)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                ws: .init(maxFrameSize: socketIO.maxPayload, autoPing: .disabled, validateUTF8: true))
        ) { request, _, _ in
            // Engine.IO has its own heartbeat, so WebSocket pings stay off (as in the reference servers).
            guard socketIO.shouldUpgrade(request) else { return .dontUpgrade }
            let path = request.path ?? "/"
            return .upgrade([:]) { inbound, outbound, _ in
                try await socketIO.handleWebSocket(path: path, inbound: inbound, outbound: outbound)
            }
        },
        configuration: .init(
            address: .hostname(configuration.listenHost, port: configuration.presencePort), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
}

/// The lobby: WebSocket at `/lobby_api` and REST under it, on one port (contracts §4).
private func lobbyListener(
    _ configuration: GatewayConfiguration, fleet: FleetClient, hub: LobbyHub, drain: WebSocketDrain, logger: Logger
) -> any Service {
    let authenticator = LobbyAuthenticator(fleet: fleet)
    let limits = LobbyLimits.default
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    LobbyRoutes(fleet: fleet, authenticator: authenticator, limits: limits).register(on: router)
    let handler = LobbyWebSocketHandler(
        fleet: fleet, hub: hub, authenticator: authenticator, limits: limits,
        listTimeout: configuration.fleet.requestTimeout, drain: drain)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                ws: .init(
                    maxFrameSize: limits.maxMessageBytes, autoPing: .enabled(timePeriod: .seconds(30)),
                    validateUTF8: true))
        ) { request, _, _ in
            let path = request.path?.split(separator: "?", maxSplits: 1).first ?? ""
            guard path == "/lobby_api" || path == "/lobby_api/" else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, context in
                try await handler.handle(inbound: inbound, outbound: outbound, logger: context.logger)
            }
        },
        configuration: .init(
            address: .hostname(configuration.listenHost, port: configuration.lobbyPort), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
}
