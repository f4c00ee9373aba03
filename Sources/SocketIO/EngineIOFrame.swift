/// One WebSocket data frame carrying one Engine.IO packet (packets are never joined on a WebSocket).
package enum EngineIOFrame: Sendable, Hashable {
    /// A text frame: a packet's text form (`2`, `3probe`, `42["a"]`, …).
    case text(String)
    /// A binary frame: the raw bytes of a binary message.
    case binary([UInt8])

    /// The frame's payload size in bytes, compared with the session's `maxPayload`.
    package var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}
