/// What the gateway allows one client connection, on every port (docs/operations.md, "Client limits").
public struct EdgeLimits: Sendable, Hashable {
    /// A request header must be complete within this, counted from the connection's opening or from the first byte
    /// after the previous response; past it the client gets 408 and the connection closes.
    public var headerTimeout: Duration = .seconds(30)
    /// A request body that makes no progress (no byte arrives) for this long gets 408 and the connection closes.
    public var bodyTimeout: Duration = .seconds(30)
    /// A keep-alive connection idle between requests for this long is closed.
    public var idleTimeout: Duration = .seconds(75)
    /// A step-tracker or lobby WebSocket silent for this long is pinged.
    public var webSocketPingInterval: Duration = .seconds(30)
    /// A WebSocket that sends nothing, not even the pong, within this of a ping is closed with 1001.
    public var webSocketPingTimeout: Duration = .seconds(20)
    /// Client connections the gateway holds open across all its ports; one more is answered 503 and closed.
    /// Zero means "the descriptor limit less `descriptorReserve`".
    public var maxConnections: Int = 0
    /// Descriptors kept free for the gateway's own work (ZeroMQ links, files, the runtime's `/proc` reads) when
    /// `maxConnections` is derived from the descriptor limit.
    public var descriptorReserve: Int = 128

    /// The defaults.
    public init() {}

    /// The connection limit in force for a process whose descriptor limit is `descriptors`: `maxConnections` when
    /// set, else what the limit leaves after the reserve (at least 1).
    public func connectionLimit(descriptors: Int) -> Int {
        if maxConnections > 0 { return maxConnections }
        return max(1, descriptors - descriptorReserve)
    }
}
