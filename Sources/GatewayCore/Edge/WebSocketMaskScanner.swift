/// Follows the frame boundaries of a client's WebSocket byte stream, reading only the frame headers, to find a frame
/// without a mask: RFC 6455 §5.1 says a server MUST close the connection on one (with 1002). The frame decoder of
/// the WebSocket stack unmasks what it gets but does not enforce this, and the mask bit is gone from what it hands
/// on, so the check runs on the raw bytes, before the decoder.
struct WebSocketMaskScanner: Sendable, Hashable {
    /// Header bytes of the frame being read (2 to 14).
    private var header: [UInt8] = []
    /// Payload bytes still to skip before the next header.
    private var payloadLeft: UInt64 = 0
    /// Whether an unmasked frame was seen; the scanner then stops.
    private(set) var violated = false

    /// Creates a scanner at a frame boundary.
    init() { header.reserveCapacity(14) }

    /// Reads the next bytes of the stream; false once an unmasked frame is seen.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !violated else { return false }
        var i = 0
        let n = bytes.count
        while i < n {
            if payloadLeft > 0 {
                let skip = Int(min(payloadLeft, UInt64(n - i)))
                i += skip
                payloadLeft -= UInt64(skip)
                continue
            }
            header.append(bytes[i])
            i += 1
            guard header.count >= 2 else { continue }
            if header.count == 2, header[1] & 0x80 == 0 {
                violated = true
                return false
            }
            let length7 = header[1] & 0x7F
            let extended = length7 == 126 ? 2 : (length7 == 127 ? 8 : 0)
            guard header.count == 2 + extended + 4 else { continue }
            var length = UInt64(length7)
            if extended > 0 {
                length = 0
                for byte in header[2..<(2 + extended)] { length = length << 8 | UInt64(byte) }
            }
            payloadLeft = length
            header.removeAll(keepingCapacity: true)
        }
        return true
    }

    /// Convenience for tests and small inputs.
    mutating func scan(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { scan($0) }
    }
}
