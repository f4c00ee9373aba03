import GatewayCore
import GatewayLobby
import GatewayPresence
import GatewayStats
import GatewaySteps
package import Logging
package import ServiceLifecycle
import SocketIO
import Synchronization

/// Builds a gateway process's services in dependency order: the fleet link first (it stops last), then one
/// listener per port of each product the gateway serves.
package func buildGatewayServices(_ configuration: GatewayConfiguration, logger: Logger) -> [any Service] {
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
    let closeSocketIOSessions = Mutex<(@Sendable () -> Void)?>(nil)
    let drain = WebSocketDrain(timeout: configuration.drainTimeout, logger: logger) {
        closeSocketIOSessions.withLock { $0 }?()
    }
    let context = EdgeListeners.Context(
        host: configuration.listenHost, fleet: fleet, policy: policy, drain: drain, logger: logger)
    var background: [any Service] = [OverloadMonitor(policy: policy, logger: logger)]
    var listeners: [any Service] = []
    for product in products {
        switch product {
        case .steps:
            listeners += StepsEdge.services(configuration.stepsEdge, context)
        case .stats:
            listeners += StatsEdge.services(
                port: configuration.statsHTTPPort, limits: configuration.statsLimits, context)
        case .presence:
            let edge = PresenceEdge.services(configuration.presenceEdge, context)
            background += edge.background
            listeners += edge.listeners
            closeSocketIOSessions.withLock { $0 = edge.closeSessions }
        case .lobby:
            let edge = LobbyEdge.services(configuration.lobbyEdge, context)
            background += edge.background
            listeners += edge.listeners
        }
    }
    assert(listeners.count == fleetConfiguration.listeners, "listenerCount must count every listener")
    // Shut down in reverse: the WebSocket drain first, then the listeners (stop accepting, finish HTTP requests),
    // the hubs and Socket.IO sessions, and the fleet link last.
    return [fleet] + background + listeners + [drain]
}

extension GatewayConfiguration {
    /// The step tracker's part.
    fileprivate var stepsEdge: StepsEdge.Configuration {
        StepsEdge.Configuration(
            httpPort: stepsHTTPPort, webSocketPort: stepsWebSocketPort, limits: stepsLimits,
            maxMessageSize: maxFrameSize, maxInFlight: maxInFlightPerConnection,
            messagesPerSecond: edge.maxMessagesPerSecond)
    }

    /// Presence's part.
    fileprivate var presenceEdge: PresenceEdge.Configuration {
        var engine = EngineIOConfiguration.default
        engine.pingInterval = socketIOPingInterval
        engine.pingTimeout = socketIOPingTimeout
        engine.maxPayload = socketIOMaxPayload
        engine.maxPacketsPerPayload = edge.maxPacketsPerPayload
        return PresenceEdge.Configuration(
            port: presencePort, settings: presenceSettings, engine: engine, maxQueuedFrames: socketIOMaxQueuedFrames,
            maxQueuedBytes: socketIOMaxQueuedBytes, messagesPerSecond: edge.maxMessagesPerSecond,
            syncTimeout: fleet.requestTimeout)
    }

    /// The lobby's part.
    fileprivate var lobbyEdge: LobbyEdge.Configuration {
        LobbyEdge.Configuration(
            port: lobbyPort, maxQueuedMessages: lobbyMaxQueuedMessages, maxQueuedBytes: lobbyMaxQueuedBytes,
            listTimeout: fleet.requestTimeout)
    }
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
