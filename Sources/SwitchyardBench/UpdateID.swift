/// The update ids of one load run, shaped like a UUID so frames have the size real clients send:
/// `RRRRRRRR-CCCC-4000-8000-SSSSSSSSSSSS` (run, connection, sequence number; lowercase hex).
///
/// Ids are unique per run and connection, and an ack's id says directly which in-flight update it answers.
struct UpdateID: Sendable, Hashable {
    /// The connection that sent the update.
    var connection: UInt16
    /// The update's sequence number on its connection.
    var sequence: UInt64

    /// Length of the text form.
    static let length = 36

    /// Parses the text form, or nil when it is malformed or belongs to another run.
    static func parse(_ bytes: UnsafeRawBufferPointer, run: UInt32) -> UpdateID? {
        guard bytes.count == length, bytes[8] == dash, bytes[13] == dash, bytes[18] == dash, bytes[23] == dash,
            let parsedRun = hex(bytes, 0..<8), parsedRun == UInt64(run),
            let connection = hex(bytes, 9..<13), let sequence = hex(bytes, 24..<36)
        else { return nil }
        return UpdateID(connection: UInt16(connection), sequence: sequence)
    }

    /// Parses the text form held in a byte array (the slow path's id).
    static func parse(_ bytes: [UInt8], run: UInt32) -> UpdateID? {
        bytes.withUnsafeBytes { parse($0, run: run) }
    }

    /// `RRRRRRRR-CCCC-4000-8000-` for `run` and `connection`: the constant part of a connection's ids.
    static func prefix(run: UInt32, connection: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        appendHex(UInt64(run), digits: 8, to: &bytes)
        bytes.append(dash)
        appendHex(UInt64(connection), digits: 4, to: &bytes)
        bytes.append(contentsOf: Array("-4000-8000-".utf8))
        return bytes
    }

    private static let dash = UInt8(ascii: "-")

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            bytes.append(hexDigit(UInt8((value >> UInt64(shift)) & 0xF)))
        }
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func hex(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64? {
        var value: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}
