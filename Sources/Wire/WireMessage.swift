/// One wire message: a header frame and a body frame (docs/protocol.md §3). Routing frames (a ROUTER's identity,
/// a PUB topic) come before these two and are handled by the socket's owner.
package struct WireMessage: Sendable, Hashable {
    /// The header.
    package var envelope: Envelope
    /// The kind-specific body (may be empty).
    package var body: [UInt8]

    /// Creates a message.
    package init(_ envelope: Envelope, body: [UInt8] = []) {
        self.envelope = envelope
        self.body = body
    }

    /// Decodes the last two frames of a multipart message; `routingFrames` is how many frames precede them.
    package init(frames: [[UInt8]], routingFrames: Int = 0) throws(WireError) {
        guard frames.count == routingFrames + 2 else {
            throw WireError(.badFrames, "\(frames.count) frames, expected \(routingFrames + 2)")
        }
        self.init(try Envelope(decoding: frames[routingFrames]), body: frames[routingFrames + 1])
    }

    /// The two frames to send.
    package var frames: [[UInt8]] { [envelope.encoded(), body] }
}
