import NIOCore

/// Writes one connection's step updates as the compact JSON text of contracts §1, straight into a `ByteBuffer`
/// (no `String`, no Foundation: the client shares the machine with the server it measures).
///
/// `{"update_id":"<UpdateID>","username":"user<n>","ts":<ms>,"newSteps":<1…20>}`, about 110 bytes.
struct UpdateFormatter: Sendable {
    private let prefix: [UInt8]
    private let connection: UInt64
    private let users: UInt64

    /// Largest text one update can take.
    static let maxLength = 160

    /// Creates the formatter of connection `connection` of run `run`, spreading usernames over `users` users.
    init(run: UInt32, connection: UInt16, users: Int) {
        prefix = Array(#"{"update_id":""#.utf8) + UpdateID.prefix(run: run, connection: connection)
        self.connection = UInt64(connection)
        self.users = UInt64(max(users, 1))
    }

    /// Appends update number `sequence` with timestamp `timestampMs` to `buffer`.
    func write(sequence: UInt64, timestampMs: UInt64, into buffer: inout ByteBuffer) {
        // A hash, not `sequence % users`, so every connection touches every user and users interleave.
        let user = SplitMix64.mix(sequence ^ (connection << 48)) % users
        let steps = 1 + sequence % 20
        buffer.writeBytes(prefix)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maxLength) { raw in
            var cursor = ByteCursor(raw)
            for shift in stride(from: 44, through: 0, by: -4) {
                cursor.put(UpdateID.hexDigit(UInt8((sequence >> UInt64(shift)) & 0xF)))
            }
            cursor.put(#"","username":"user"#)
            cursor.putDecimal(user)
            cursor.put(#"","ts":"#)
            cursor.putDecimal(timestampMs)
            cursor.put(#","newSteps":"#)
            cursor.putDecimal(steps)
            cursor.put(UInt8(ascii: "}"))
            return cursor.offset
        }
    }
}

/// Sequential writes into raw memory whose size the caller checked beforehand.
private struct ByteCursor {
    let raw: UnsafeMutableRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeMutableRawBufferPointer) {
        self.raw = raw
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        raw[offset] = byte
        offset += 1
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        UnsafeMutableRawBufferPointer(rebasing: raw[offset..<offset + count])
            .copyMemory(from: UnsafeRawBufferPointer(start: text.utf8Start, count: count))
        offset += count
    }

    @inline(__always)
    mutating func putDecimal(_ value: UInt64) {
        var digits: (UInt64, Int) = (value, 1)
        while digits.0 >= 10 {
            digits.0 /= 10
            digits.1 += 1
        }
        var rest = value
        for index in stride(from: offset + digits.1 - 1, through: offset, by: -1) {
            raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        offset += digits.1
    }
}
