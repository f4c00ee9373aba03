/// The parts of an HTTP request on `/socket.io/` that decide what it is (protocol reference §1.1).
public struct EngineIORequest: Sendable, Hashable {
    /// The HTTP method, as far as Engine.IO distinguishes them.
    public enum Method: Sendable, Hashable {
        /// GET: a handshake, a poll, or a WebSocket upgrade.
        case get
        /// POST: client → server packets.
        case post
        /// Anything else.
        case other
    }

    /// The request's method.
    public var method: Method
    /// Decoded query parameters (`EIO`, `transport`, `sid`, `j`; others are ignored), first value per name.
    public var query: [String: String]
    /// Whether the request carries `Upgrade: websocket` / `Connection: Upgrade`; only meaningful on a GET.
    public var isWebSocketUpgrade: Bool
    /// The `Origin` header, if any: only checked for characters a header may not hold.
    public var origin: String?

    /// Creates a request description.
    public init(method: Method, query: [String: String], isWebSocketUpgrade: Bool = false, origin: String? = nil) {
        self.method = method
        self.query = query
        self.isWebSocketUpgrade = isWebSocketUpgrade
        self.origin = origin
    }
}
