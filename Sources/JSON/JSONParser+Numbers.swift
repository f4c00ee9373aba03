extension JSONParser.State {
    /// Exact powers of ten; every one up to 1e22 is representable in a `Double`.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Reads a number per RFC 8259 §6 and converts it with correct rounding.
    mutating func readNumber() throws(JSONParseError) -> Double {
        let start = position
        var i = position
        let negative = buffer[i] == UInt8(ascii: "-")
        if negative { i += 1 }

        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0

        guard i < end else { throw error(.invalidNumber, "expected a digit after '-'", at: i) }
        let first = buffer[i]
        if first == UInt8(ascii: "0") {
            i += 1
            if i < end, Self.isDigit(buffer[i]) {
                throw error(.invalidNumber, "leading zero in number", at: start)
            }
        } else if Self.isDigit(first) {
            while i < end, Self.isDigit(buffer[i]) {
                mantissa = mantissa &* 10 &+ UInt64(buffer[i] &- UInt8(ascii: "0"))
                digits += 1
                i += 1
            }
        } else {
            throw error(.invalidNumber, "expected a digit, found \(Self.describe(first))", at: i)
        }

        if i < end, buffer[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, Self.isDigit(buffer[i]) else {
                throw error(.invalidNumber, "expected a digit after '.'", at: i)
            }
            while i < end, Self.isDigit(buffer[i]) {
                mantissa = mantissa &* 10 &+ UInt64(buffer[i] &- UInt8(ascii: "0"))
                digits += 1
                fractionDigits += 1
                i += 1
            }
        }

        var exponent = 0
        if i < end, buffer[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < end, buffer[i] == UInt8(ascii: "-") || buffer[i] == UInt8(ascii: "+") {
                exponentNegative = buffer[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end, Self.isDigit(buffer[i]) else {
                throw error(.invalidNumber, "expected a digit in exponent", at: i)
            }
            while i < end, Self.isDigit(buffer[i]) {
                // Saturate: anything this large overflows or underflows anyway; the slow path decides which.
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(buffer[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        position = i

        // Clinger's fast path: an exact integer mantissa times an exact power of ten rounds once.
        // 19 digits cannot wrap a UInt64, and 2^53 bounds exactly representable integers.
        if digits <= 19, mantissa <= 1 << 53 {
            let scale = exponent - fractionDigits
            var value: Double?
            if scale == 0 {
                value = Double(mantissa)
            } else if scale > 0, scale <= 22 {
                value = Double(mantissa) * Self.powersOfTen[scale]
            } else if scale < 0, scale >= -22 {
                value = Double(mantissa) / Self.powersOfTen[-scale]
            }
            if let value { return negative ? -value : value }
        }

        // The standard library's parser is correctly rounded; the grammar was already checked.
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(.numberOverflow, "number \(text) overflows Double", at: start)
        }
        return value
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
