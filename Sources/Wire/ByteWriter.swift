/// Appends big-endian integers, doubles and length-prefixed strings to a byte array.
package struct ByteWriter: Sendable {
    /// The bytes written so far.
    package private(set) var bytes: [UInt8]

    /// Creates an empty writer.
    package init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte.
    package mutating func write(_ v: UInt8) { bytes.append(v) }

    /// Appends a big-endian u16.
    package mutating func write(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends a big-endian u32.
    package mutating func write(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift)))
        }
    }

    /// Appends a big-endian u64.
    package mutating func write(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    /// Appends an IEEE 754 binary64, big-endian.
    package mutating func write(_ v: Double) { write(v.bitPattern) }

    /// Appends raw bytes.
    package mutating func write<C: Collection<UInt8>>(contentsOf raw: C) { bytes.append(contentsOf: raw) }

    /// Appends a u16 length and the UTF-8 bytes; a longer string is a programming error upstream and is truncated.
    package mutating func write(_ s: String) {
        let utf8 = s.utf8
        let n = min(utf8.count, WireConstants.maxStringLength)
        write(UInt16(n))
        bytes.append(contentsOf: utf8.prefix(n))
    }
}
