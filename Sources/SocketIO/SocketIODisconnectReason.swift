/// Why a socket left the default namespace.
package enum SocketIODisconnectReason: String, Sendable, Hashable, CustomStringConvertible {
    /// The client sent `41` (JS "client namespace disconnect").
    case clientDisconnect
    /// The application called ``SocketIOConnection/disconnect()`` (JS "server namespace disconnect").
    case serverDisconnect
    /// The Engine.IO session ended (JS "transport close", "ping timeout", …).
    case transportClose
    /// The client sent a packet that is invalid or out of place, so the connection is being closed.
    case invalidPacket

    /// The reason's name, e.g. `clientDisconnect`.
    package var description: String { rawValue }
}
