/// Opaque handle of a socket owned by a `ZMQEngine`; the socket itself never leaves the engine's I/O thread.
package struct ZMQSocketID: Sendable, Hashable, CustomStringConvertible {
    /// Unique within one engine, never reused.
    let rawValue: UInt64

    init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `socket#N`, for logs.
    package var description: String { "socket#\(rawValue)" }
}
