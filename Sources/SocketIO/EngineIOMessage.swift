/// The data of an Engine.IO `message` packet: what the layer above (Socket.IO) reads and writes.
package enum EngineIOMessage: Sendable, Hashable {
    /// A text message (`4…` on the wire); Socket.IO packets are always text.
    case text(String)
    /// A binary message: a binary WebSocket frame, or `b` + base64 in a polling body.
    case binary([UInt8])
}
