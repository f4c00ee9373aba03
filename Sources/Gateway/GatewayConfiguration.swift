public import GatewayCore
public import Presence
public import Stats
public import Steps

/// Settings of one gateway process (docs/operations.md).
public struct GatewayConfiguration: Sendable {
    /// The fleet link.
    public var fleet: FleetClient.Configuration
    /// The products served; each opens its ports.
    public var products: Set<GatewayProduct>
    /// Address the product listeners bind to.
    public var listenHost: String
    /// Step tracker REST port (contracts §1: 8080).
    public var stepsHTTPPort: Int
    /// Step tracker WebSocket port (contracts §1: 8081).
    public var stepsWebSocketPort: Int
    /// Largest WebSocket message accepted; a larger one closes the connection with 1009.
    public var maxFrameSize: Int
    /// Updates of one connection in flight to the fleet; the connection is not read while it is at the limit.
    public var maxInFlightPerConnection: Int
    /// Step tracker limits.
    public var stepsLimits: StepsLimits
    /// Learning stats REST port (contracts §2: 3000).
    public var statsHTTPPort: Int
    /// Learning stats limits.
    public var statsLimits: StatsLimits
    /// Presence REST and Socket.IO port (contracts §3: 3456).
    public var presencePort: Int
    /// Presence settings (keys, intervals; from the environment).
    public var presenceSettings: PresenceSettings
    /// Lobby WebSocket and REST port (contracts §4: 9000).
    public var lobbyPort: Int = 9000
    /// Messages a lobby subscriber may have queued (not yet written to its socket) before it is disconnected.
    public var lobbyMaxQueuedMessages: Int = 1024
    /// Bytes of messages a lobby subscriber may have queued before it is disconnected (one larger message, such as a
    /// long table list, is still accepted when nothing else is queued).
    public var lobbyMaxQueuedBytes: Int = 4 << 20
    /// On SIGTERM, how long WebSockets get to finish what they have in flight before the listeners stop.
    public var drainTimeout: Duration = .seconds(5)
    /// Engine.IO `pingInterval`: time between the server's pings to a Socket.IO client.
    public var socketIOPingInterval: Duration = .seconds(25)
    /// Engine.IO `pingTimeout`: a client that does not answer a ping within this is dropped.
    public var socketIOPingTimeout: Duration = .seconds(20)
    /// Engine.IO `maxPayload`: the largest polling POST body or WebSocket message, in bytes.
    public var socketIOMaxPayload: Int = 1_000_000
    /// Frames a Socket.IO WebSocket client may have queued, not yet written, before it is closed with 1008 (a client
    /// that stops reading would otherwise keep every broadcast in the gateway's memory).
    public var socketIOMaxQueuedFrames: Int = 64
    /// Bytes of frames a Socket.IO WebSocket client may have queued before it is closed with 1008 (one larger frame is
    /// still accepted when nothing else is queued).
    public var socketIOMaxQueuedBytes: Int = 4 << 20

    /// What one client connection is allowed: timeouts, WebSocket liveness, the connection limit.
    public var edge = EdgeLimits()
    /// The process's descriptor limit (raised to the hard limit at start), from which the connection limit follows.
    public var descriptorLimit = 1024

    /// Creates a configuration with the contract's defaults.
    public init(
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
