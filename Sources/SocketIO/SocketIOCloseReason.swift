/// Why the Socket.IO layer asks to close the whole Engine.IO session, as the reference server does.
package enum SocketIOCloseReason: String, Sendable, Hashable, CustomStringConvertible {
    /// A packet that breaks the grammar or validity rules (§2.2: `42{}`, `42abc["x"]`, `4abc`).
    case invalidPacket
    /// A well-formed packet in the wrong state: anything but CONNECT for a namespace not joined (events before
    /// CONNECT included), a second CONNECT, a client CONNECT_ERROR, a text message between a binary packet and its
    /// attachments, an unannounced binary message.
    case unexpectedPacket
    /// No CONNECT to the default namespace within ``SocketIOConfiguration/connectTimeout``.
    case connectTimeout

    /// The reason's name, e.g. `invalidPacket`.
    package var description: String { rawValue }
}
