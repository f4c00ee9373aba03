/// Reads what `ByteWriter` wrote, throwing `WireError` instead of reading past the end.
package struct ByteReader: Sendable {
    private let bytes: [UInt8]
    private var offset: Int

    /// Creates a reader over a whole frame.
    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not read yet.
    package var remaining: Int { bytes.count - offset }

    private mutating func need(_ n: Int) throws(WireError) {
        guard remaining >= n else { throw WireError(.truncated, "need \(n) bytes at \(offset), have \(remaining)") }
    }

    /// Reads one byte.
    package mutating func readByte() throws(WireError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian u16.
    package mutating func readUInt16() throws(WireError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// Reads a big-endian u32.
    package mutating func readUInt32() throws(WireError) -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    /// Reads a big-endian u64.
    package mutating func readUInt64() throws(WireError) -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    /// Reads a binary64.
    package mutating func readDouble() throws(WireError) -> Double { Double(bitPattern: try readUInt64()) }

    /// Reads `n` raw bytes.
    package mutating func readBytes(_ n: Int) throws(WireError) -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Reads a u16-length-prefixed UTF-8 string.
    package mutating func readString() throws(WireError) -> String {
        let n = Int(try readUInt16())
        try need(n)
        defer { offset += n }
        guard let s = String(validating: bytes[offset..<offset + n], as: UTF8.self) else {
            throw WireError(.badString, "string at \(offset) is not UTF-8")
        }
        return s
    }

    /// Throws unless every byte was read: trailing bytes make a message malformed.
    package func expectEnd() throws(WireError) {
        guard remaining == 0 else { throw WireError(.badLength, "\(remaining) trailing bytes") }
    }
}
