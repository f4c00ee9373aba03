package import GatewayCore
package import Presence
package import Stats
package import Steps

/// Settings of one gateway process (docs/operations.md).
package struct GatewayConfiguration: Sendable {
    /// The fleet link.
    package var fleet: FleetClient.Configuration
    /// The products served; each opens its ports.
    package var products: Set<GatewayProduct>
    /// Address the product listeners bind to.
    package var listenHost: String
    /// Step tracker REST port (contracts §1: 8080).
    package var stepsHTTPPort: Int
    /// Step tracker WebSocket port (contracts §1: 8081).
    package var stepsWebSocketPort: Int
    /// Largest WebSocket message accepted; a larger one closes the connection with 1009.
    package var maxFrameSize: Int
    /// Updates of one connection in flight to the fleet; the connection is not read while it is at the limit.
    package var maxInFlightPerConnection: Int
    /// Step tracker limits.
    package var stepsLimits: StepsLimits
    /// Learning stats REST port (contracts §2: 3000).
    package var statsHTTPPort: Int
    /// Learning stats limits.
    package var statsLimits: StatsLimits
    /// Presence REST and Socket.IO port (contracts §3: 3456).
    package var presencePort: Int
    /// Presence settings (keys, intervals; from the environment).
    package var presenceSettings: PresenceSettings
    /// Lobby WebSocket and REST port (contracts §4: 9000).
    package var lobbyPort: Int = 9000
    /// Messages a lobby subscriber may have queued (not yet written to its socket) before it is disconnected.
    package var lobbyMaxQueuedMessages: Int = 1024
    /// Bytes of messages a lobby subscriber may have queued before it is disconnected (one larger message, such as a
    /// long table list, is still accepted when nothing else is queued).
    package var lobbyMaxQueuedBytes: Int = 4 << 20
    /// On SIGTERM, how long WebSockets get to finish what they have in flight before the listeners stop.
    package var drainTimeout: Duration = .seconds(5)
    /// Engine.IO `pingInterval`: time between the server's pings to a Socket.IO client.
    package var socketIOPingInterval: Duration = .seconds(25)
    /// Engine.IO `pingTimeout`: a client that does not answer a ping within this is dropped.
    package var socketIOPingTimeout: Duration = .seconds(20)
    /// Engine.IO `maxPayload`: the largest polling POST body or WebSocket message, in bytes.
    package var socketIOMaxPayload: Int = 1_000_000
    /// Frames a Socket.IO WebSocket client may have queued, not yet written, before it is closed with 1008 (a client
    /// that stops reading would otherwise keep every broadcast in the gateway's memory).
    package var socketIOMaxQueuedFrames: Int = 64
    /// Bytes of frames a Socket.IO WebSocket client may have queued before it is closed with 1008 (one larger frame is
    /// still accepted when nothing else is queued).
    package var socketIOMaxQueuedBytes: Int = 4 << 20

    /// What one client connection is allowed: timeouts, WebSocket liveness, the connection limit.
    package var edge = EdgeLimits()
    /// The process's descriptor limit (raised to the hard limit at start), from which the connection limit follows.
    package var descriptorLimit = 1024

    /// Creates a configuration with the contract's defaults.
    package init(
        fleet: FleetClient.Configuration, listenHost: String = "0.0.0.0", stepsHTTPPort: Int = 8080,
        stepsWebSocketPort: Int = 8081, maxFrameSize: Int = 64 * 1024, maxInFlightPerConnection: Int = 1024,
        stepsLimits: StepsLimits = .default, statsHTTPPort: Int = 3000, statsLimits: StatsLimits = .default,
        products: Set<GatewayProduct> = Set(GatewayProduct.allCases), presencePort: Int = 3456,
        presenceSettings: PresenceSettings = PresenceSettings()
    ) {
        self.presencePort = presencePort
        self.presenceSettings = presenceSettings
        self.products = products
        self.fleet = fleet
        self.listenHost = listenHost
        self.stepsHTTPPort = stepsHTTPPort
        self.stepsWebSocketPort = stepsWebSocketPort
        self.maxFrameSize = maxFrameSize
        self.maxInFlightPerConnection = maxInFlightPerConnection
        self.stepsLimits = stepsLimits
        self.statsHTTPPort = statsHTTPPort
        self.statsLimits = statsLimits
    }
}
