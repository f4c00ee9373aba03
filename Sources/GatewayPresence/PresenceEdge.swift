package import GatewayCore
package import Presence
package import ServiceLifecycle
package import SocketIO

/// Presence's edge (contracts §3): REST with access keys and Socket.IO (polling and WebSocket) on one port, the hub
/// that mirrors every partition's presence entries, and the Socket.IO sessions.
package enum PresenceEdge {
    /// Presence's settings.
    package struct Configuration: Sendable {
        package var port: Int
        /// Keys and intervals (from the environment).
        package var settings: PresenceSettings
        /// Engine.IO's heartbeat, payload and packet limits.
        package var engine: EngineIOConfiguration
        /// Frames and bytes one Socket.IO WebSocket may have waiting before it is closed with 1008.
        package var maxQueuedFrames: Int
        package var maxQueuedBytes: Int
        /// Messages per second one WebSocket may send (0: no limit).
        package var messagesPerSecond: Int
        /// How long a REST read waits for the hub to have every partition.
        package var syncTimeout: Duration

        /// The settings.
        package init(
            port: Int, settings: PresenceSettings, engine: EngineIOConfiguration, maxQueuedFrames: Int,
            maxQueuedBytes: Int, messagesPerSecond: Int, syncTimeout: Duration
        ) {
            self.port = port
            self.settings = settings
            self.engine = engine
            self.maxQueuedFrames = maxQueuedFrames
            self.maxQueuedBytes = maxQueuedBytes
            self.messagesPerSecond = messagesPerSecond
            self.syncTimeout = syncTimeout
        }
    }

    /// The hub and the Socket.IO sessions (`background`), the listener, and what closes every Socket.IO session
    /// (the gateway's drain calls it).
    package static func services(
        _ configuration: Configuration, _ context: EdgeListeners.Context
    ) -> (background: [any Service], listeners: [any Service], closeSessions: @Sendable () -> Void) {
        let hub = PresenceHub(
            fleet: context.fleet, settings: configuration.settings, logger: context.logger, policy: context.policy)
        let socketIO = SocketIOServer(
            fleet: context.fleet, hub: hub, engine: configuration.engine,
            maxQueuedFrames: configuration.maxQueuedFrames,
            maxQueuedBytes: configuration.maxQueuedBytes, policy: context.policy, logger: context.logger)
        let router = EdgeListeners.router(context, product: .presence)
        PresenceRoutes(
            fleet: context.fleet, hub: hub, settings: configuration.settings, maxBodyBytes: 64 * 1024,
            syncTimeout: configuration.syncTimeout
        ).register(on: router)
        socketIO.register(on: router)
        // Engine.IO has its own heartbeat (counted by the Socket.IO server), so the guard does not ping these.
        let rate = configuration.messagesPerSecond
        let listener = EdgeListeners.webSocket(
            router, port: configuration.port, product: .presence, purpose: "presence",
            maxFrameSize: socketIO.maxPayload,
            webSocketLiveness: false, context
        ) { head, _ in
            let origin = head.headers.first(name: "origin")
            guard let target = socketIO.webSocketTarget(pathAndQuery: head.uri, origin: origin) else { return nil }
            return { _ in SocketIOWebSocketChannelHandler(server: socketIO, target: target, messagesPerSecond: rate) }
        }
        return ([hub, socketIO], [listener], { socketIO.closeAllSessions() })
    }
}
