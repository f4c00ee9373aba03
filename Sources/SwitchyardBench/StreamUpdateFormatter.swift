import NIOCore

/// Writes one stream connection's step updates as compact JSON text, straight into a `ByteBuffer`, with the
/// username and `newSteps` the caller chose (``UpdateFormatter`` picks them itself, so the expected totals of a
/// stream run could not be known exactly).
///
/// `{"update_id":"<UpdateID>","username":"user<n>","ts":<ms>,"newSteps":<n>}`, about 110 bytes.
struct StreamUpdateFormatter: Sendable {
    private let prefix: [UInt8]

    /// Largest text one update can take (three 20-digit numbers at most, plus the fixed parts).
    static let maxLength = 180

    /// Creates the formatter of connection `connection` of run `run` (its update ids are unique to both).
    init(run: UInt32, connection: UInt16) {
        prefix = Array(#"{"update_id":""#.utf8) + UpdateID.prefix(run: run, connection: connection)
    }

    /// Appends update number `sequence` of this connection, for `user<user>`, to `buffer`.
    func write(sequence: UInt64, user: UInt64, timestampMs: UInt64, steps: UInt64, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: Self.maxLength)
        buffer.writeBytes(prefix)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maxLength - prefix.count) { raw in
            var offset = 0
            for shift in stride(from: 44, through: 0, by: -4) {
                raw[offset] = UpdateID.hexDigit(UInt8((sequence >> UInt64(shift)) & 0xF))
                offset += 1
            }
            return offset
        }
        buffer.writeStaticString(#"","username":"user"#)
        Self.writeDecimal(user, into: &buffer)
        buffer.writeStaticString(#"","ts":"#)
        Self.writeDecimal(timestampMs, into: &buffer)
        buffer.writeStaticString(#","newSteps":"#)
        Self.writeDecimal(steps, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// `value` in decimal ASCII, without a `String` in between.
    private static func writeDecimal(_ value: UInt64, into buffer: inout ByteBuffer) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { raw in
            var rest = value
            for index in stride(from: digits - 1, through: 0, by: -1) {
                raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return digits
        }
    }
}
