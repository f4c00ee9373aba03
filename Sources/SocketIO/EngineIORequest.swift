/// The parts of an HTTP request on `/socket.io/` that decide what it is (protocol reference §1.1).
package struct EngineIORequest: Sendable, Hashable {
    /// The HTTP method, as far as Engine.IO distinguishes them.
    package enum Method: Sendable, Hashable {
        /// GET: a handshake, a poll, or a WebSocket upgrade.
        case get
        /// POST: client → server packets.
        case post
        /// Anything else.
        case other
    }

    /// The request's method.
    package var method: Method
    /// Decoded query parameters (`EIO`, `transport`, `sid`, `j`; others are ignored), first value per name.
    package var query: [String: String]
    /// Whether the request carries `Upgrade: websocket` / `Connection: Upgrade`; only meaningful on a GET.
    package var isWebSocketUpgrade: Bool
    /// The `Origin` header, if any: only checked for characters a header may not hold.
    package var origin: String?

    /// Creates a request description.
    package init(method: Method, query: [String: String], isWebSocketUpgrade: Bool = false, origin: String? = nil) {
        self.method = method
        self.query = query
        self.isWebSocketUpgrade = isWebSocketUpgrade
        self.origin = origin
    }
}
