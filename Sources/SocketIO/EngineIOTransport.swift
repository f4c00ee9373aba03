/// The two Engine.IO transports.
package enum EngineIOTransport: String, Sendable, Hashable {
    /// HTTP long-polling: GET carries server → client packets, POST client → server.
    case polling
    /// One WebSocket, one packet per frame.
    case websocket
}
