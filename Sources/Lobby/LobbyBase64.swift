/// Standard base64 (RFC 4648 §4, padded) for the stored password strings, without Foundation. Decoding is strict:
/// one spelling per byte string, so a stored hash compares and round-trips exactly.
enum LobbyBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [Int8] = {
        var values = [Int8](repeating: -1, count: 256)
        for (i, byte) in alphabet.enumerated() { values[Int(byte)] = Int8(i) }
        return values
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i])
            let b1 = n > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or nil unless `text` is canonical padded base64.
    static func decode(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let isLast = i + 4 == chars.count
            let padding =
                isLast ? (chars[i + 3] == UInt8(ascii: "=") ? (chars[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var group: UInt32 = 0
            for j in 0..<(4 - padding) {
                let value = values[Int(chars[i + j])]
                guard value >= 0 else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= 6 * UInt32(padding)
            // Bits below the last byte must be zero: anything else is a second spelling of the same bytes.
            guard padding == 0 || group & (padding == 2 ? 0xFFFF : 0xFF) == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: group)) }
            i += 4
        }
        return out
    }
}
