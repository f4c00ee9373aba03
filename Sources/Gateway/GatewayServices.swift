import GatewayCore
import Hummingbird
import HummingbirdCore
import Lobby
public import Logging
import NIOCore
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
    let policy = EdgePolicy(
        limits: configuration.edge, descriptors: configuration.descriptorLimit, counters: fleet.counters)
    logger.info(
        "client connection limit",
        metadata: [
            "max_connections": "\(policy.maxConnections)", "descriptor_limit": "\(configuration.descriptorLimit)",
        ])
    let socketIOServer = Mutex<SocketIOServer?>(nil)
    let drain = WebSocketDrain(timeout: configuration.drainTimeout, logger: logger) {
        socketIOServer.withLock { $0 }?.closeAllSessions()
    }
    var hubs: [any Service] = [OverloadMonitor(policy: policy, logger: logger)]
    let listeners = products.flatMap { product -> [any Service] in
        switch product {
        case .steps: return stepsListeners(configuration, fleet: fleet, policy: policy, drain: drain, logger: logger)
        case .stats: return [statsListener(configuration, fleet: fleet, policy: policy, logger: logger)]
        case .presence:
            let hub = PresenceHub(
                fleet: fleet, settings: configuration.presenceSettings, logger: logger, policy: policy)
            var engine = EngineIOConfiguration.default
            engine.pingInterval = configuration.socketIOPingInterval
            engine.pingTimeout = configuration.socketIOPingTimeout
            engine.maxPayload = configuration.socketIOMaxPayload
            engine.maxPacketsPerPayload = configuration.edge.maxPacketsPerPayload
            let socketIO = SocketIOServer(
                fleet: fleet, hub: hub, engine: engine, maxQueuedFrames: configuration.socketIOMaxQueuedFrames,
                maxQueuedBytes: configuration.socketIOMaxQueuedBytes, edge: configuration.edge, policy: policy,
                logger: logger)
            hubs += [hub, socketIO]
            socketIOServer.withLock { $0 = socketIO }
            return [
                presenceListener(
                    configuration, fleet: fleet, policy: policy, hub: hub, socketIO: socketIO, logger: logger)
            ]
        case .lobby:
            let hub = LobbyHub(
                fleet: fleet, maxQueuedMessages: configuration.lobbyMaxQueuedMessages,
                maxQueuedBytes: configuration.lobbyMaxQueuedBytes, policy: policy, logger: logger)
            let verifier = PasswordVerifier(maxQueued: configuration.edge.maxQueuedPasswordChecks)
            let watch = DefaultPasswordWatch(
                fleet: fleet, verifier: verifier, interval: configuration.edge.defaultPasswordCheckInterval,
                logger: logger)
            hubs += [hub, watch]
            return [
                lobbyListener(
                    configuration, fleet: fleet, policy: policy, hub: hub, verifier: verifier, drain: drain,
                    logger: logger)
            ]
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

/// An HTTP listener on `port`, behind the connection guard, whose binding counts towards the gateway's readiness.
private func listener(
    _ router: Router<BasicRequestContext>, port: Int, _ configuration: GatewayConfiguration, fleet: FleetClient,
    policy: EdgePolicy, logger: Logger
) -> some Service {
    Application(
        router: router,
        server: HTTPServerBuilder { responder in
            GuardedChildChannel(
                inner: HTTP1Channel(responder: responder), policy: policy, webSocketLiveness: false)
        },
        configuration: .init(address: .hostname(configuration.listenHost, port: port), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
}

/// A listener whose WebSocket upgrades are served by channel handlers on their event loops
/// (`EventLoopWebSocketChannel`), behind the connection guard, which also pings them; other requests go to `router`.
private func eventLoopWebSocketListener(
    _ router: Router<BasicRequestContext>, port: Int, maxFrameSize: Int, webSocketLiveness: Bool = true,
    _ configuration: GatewayConfiguration, fleet: FleetClient, policy: EdgePolicy, logger: Logger,
    decide: @escaping EventLoopWebSocketChannel.Decision
) -> some Service {
    Application(
        router: router,
        server: HTTPServerBuilder { responder in
            let channel = EventLoopWebSocketChannel(responder: responder, maxFrameSize: maxFrameSize) {
                head, channel in
                guard let factory = decide(head, channel) else { return nil }
                ConnectionGuard.upgrading(channel)
                if policy.isOverloaded, !ShedRules.continuesSession(head.uri) {
                    // A new WebSocket while the gateway sheds: upgraded only to say "try again later" (1013).
                    policy.countShed()
                    return { _ in
                        ClosingWebSocketHandler(
                            code: .init(codeNumber: 1013), reason: "server overloaded; try again later")
                    }
                }
                return factory
            }
            return GuardedChildChannel(inner: channel, policy: policy, webSocketLiveness: webSocketLiveness)
        },
        configuration: .init(address: .hostname(configuration.listenHost, port: port), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
}

/// The step tracker: REST reads and the WebSocket for updates (contracts §1).
private func stepsListeners(
    _ configuration: GatewayConfiguration, fleet: FleetClient, policy: EdgePolicy, drain: WebSocketDrain,
    logger: Logger
) -> [any Service] {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    router.middlewares.add(ShedMiddleware(policy: policy))
    StepsRoutes(fleet: fleet, limits: configuration.stepsLimits).register(on: router)
    let rest = listener(
        router, port: configuration.stepsHTTPPort, configuration, fleet: fleet, policy: policy, logger: logger)

    let settings = StepsWebSocketChannelHandler.Settings(
        fleet: fleet, validator: StepsValidator(limits: configuration.stepsLimits),
        maxMessageSize: configuration.maxFrameSize, maxInFlight: configuration.maxInFlightPerConnection,
        updateTimeout: .seconds(30), drain: drain, messagesPerSecond: configuration.edge.maxMessagesPerSecond,
        logger: logger)
    let wsRouter = Router()
    wsRouter.middlewares.add(JSONErrorMiddleware())
    wsRouter.middlewares.add(ShedMiddleware(policy: policy))
    let webSocket = eventLoopWebSocketListener(
        wsRouter, port: configuration.stepsWebSocketPort, maxFrameSize: configuration.maxFrameSize, configuration,
        fleet: fleet, policy: policy, logger: logger
    ) { head, channel in
        // Any path upgrades (contracts §1); the original clients use `/`.
        let acks = StepsWebSocketChannelHandler.wantsAcks(head.uri)
        return { channel in StepsWebSocketChannelHandler(settings: settings, acks: acks, eventLoop: channel.eventLoop) }
    }
    return [rest, webSocket]
}

/// Learning stats: REST and its OpenAPI document (contracts §2).
private func statsListener(
    _ configuration: GatewayConfiguration, fleet: FleetClient, policy: EdgePolicy, logger: Logger
) -> any Service {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    router.middlewares.add(ShedMiddleware(policy: policy))
    StatsRoutes(
        fleet: fleet, validator: StatsValidator(limits: configuration.statsLimits),
        openAPIDocument: StatsOpenAPIDocument.yaml
    ).register(on: router)
    return listener(
        router, port: configuration.statsHTTPPort, configuration, fleet: fleet, policy: policy, logger: logger)
}

/// Presence: REST and Socket.IO on one port (contracts §3). WebSocket upgrades of `/socket.io/` go to the Socket.IO
/// server; every other request, polling included, to the router.
private func presenceListener(
    _ configuration: GatewayConfiguration, fleet: FleetClient, policy: EdgePolicy, hub: PresenceHub,
    socketIO: SocketIOServer, logger: Logger
) -> any Service {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    router.middlewares.add(ShedMiddleware(policy: policy))
    PresenceRoutes(
        fleet: fleet, hub: hub, settings: configuration.presenceSettings, maxBodyBytes: 64 * 1024,
        syncTimeout: configuration.fleet.requestTimeout
    ).register(on: router)
    socketIO.register(on: router)
    // Engine.IO has its own heartbeat (counted by the Socket.IO server), so the guard does not ping these.
    return eventLoopWebSocketListener(
        router, port: configuration.presencePort, maxFrameSize: socketIO.maxPayload, webSocketLiveness: false,
        configuration, fleet: fleet, policy: policy, logger: logger
    ) { head, _ in
        let origin = head.headers.first(name: "origin")
        guard let target = socketIO.webSocketTarget(pathAndQuery: head.uri, origin: origin) else { return nil }
        let rate = configuration.edge.maxMessagesPerSecond
        return { _ in SocketIOWebSocketChannelHandler(server: socketIO, target: target, messagesPerSecond: rate) }
    }
}

/// The lobby: WebSocket at `/lobby_api` and REST under it, on one port (contracts §4).
private func lobbyListener(
    _ configuration: GatewayConfiguration, fleet: FleetClient, policy: EdgePolicy, hub: LobbyHub,
    verifier: PasswordVerifier, drain: WebSocketDrain, logger: Logger
) -> any Service {
    let edge = configuration.edge
    let authenticator = LobbyAuthenticator(
        fleet: fleet, verifier: verifier,
        throttle: LoginThrottle(maxFailures: edge.maxFailedLogins, lockout: edge.loginLockout))
    let limits = LobbyLimits.default
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    router.middlewares.add(ShedMiddleware(policy: policy))
    LobbyRoutes(fleet: fleet, authenticator: authenticator, limits: limits).register(on: router)
    let settings = LobbyWebSocketChannelHandler.Settings(
        fleet: fleet, hub: hub, authenticator: authenticator, limits: limits,
        listTimeout: configuration.fleet.requestTimeout, drain: drain,
        maxFailedLogins: edge.maxFailedLoginsPerConnection, messagesPerSecond: edge.maxMessagesPerSecond,
        logger: logger)
    return eventLoopWebSocketListener(
        router, port: configuration.lobbyPort, maxFrameSize: limits.maxMessageBytes, configuration, fleet: fleet,
        policy: policy, logger: logger
    ) { head, _ in
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        guard path == "/lobby_api" || path == "/lobby_api/" else { return nil }
        return { _ in LobbyWebSocketChannelHandler(settings: settings) }
    }
}
