extension JSONParser.State {
    /// Reads a string starting at its opening quote and leaves `position` after the closing quote.
    mutating func readString() throws(JSONParseError) -> String {
        let start = position + 1
        var i = start
        var allBits: UInt8 = 0
        while i < end {
            let byte = buffer[i]
            allBits |= byte
            if byte == UInt8(ascii: "\"") {
                position = i + 1
                let raw = UnsafeBufferPointer(rebasing: buffer[start..<i])
                if allBits < 0x80 { return String(decoding: raw, as: UTF8.self) }
                return try makeString(raw, rawStart: start, rawEnd: i)
            }
            if byte == UInt8(ascii: "\\") {
                return try readEscapedString(start: start, firstEscape: i)
            }
            if byte < 0x20 {
                throw error(.controlCharacter, "unescaped control character in string", at: i)
            }
            i += 1
        }
        throw error(.unexpectedEnd, "unterminated string", at: end)
    }

    /// The slow path: copies runs between escapes into `scratch`, decoding each escape.
    private mutating func readEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        var i = firstEscape
        while i < end {
            let byte = buffer[i]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i]))
                position = i + 1
                return try scratch.withUnsafeBufferPointer { decoded throws(JSONParseError) in
                    try makeString(decoded, rawStart: start, rawEnd: i)
                }
            }
            if byte < 0x20 {
                throw error(.controlCharacter, "unescaped control character in string", at: i)
            }
            guard byte == UInt8(ascii: "\\") else {
                i += 1
                continue
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i]))
            guard i + 1 < end else { throw error(.unexpectedEnd, "unterminated string", at: end) }
            switch buffer[i + 1] {
            case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                i = try readUnicodeEscape(at: i)
                runStart = i
                continue
            case let other:
                throw error(.invalidEscape, "invalid escape '\\' followed by \(Self.describe(other))", at: i)
            }
            i += 2
            runStart = i
        }
        throw error(.unexpectedEnd, "unterminated string", at: end)
    }

    /// Decodes `\uXXXX` (or a surrogate pair `\uD83D\uDE00`) at `escape`, appends its UTF-8 to `scratch`,
    /// and returns the offset after it.
    private mutating func readUnicodeEscape(at escape: Int) throws(JSONParseError) -> Int {
        let first = try readHex4(at: escape + 2)
        var scalarValue = UInt32(first)
        var next = escape + 6
        switch first {
        case 0xD800...0xDBFF:
            guard next + 1 < end, buffer[next] == UInt8(ascii: "\\"), buffer[next + 1] == UInt8(ascii: "u") else {
                throw error(
                    .invalidSurrogate, "high surrogate \\u\(Self.hex(first)) not followed by a low surrogate",
                    at: escape)
            }
            let second = try readHex4(at: next + 2)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error(
                    .invalidSurrogate, "high surrogate \\u\(Self.hex(first)) followed by \\u\(Self.hex(second))",
                    at: escape)
            }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw error(.invalidSurrogate, "lone low surrogate \\u\(Self.hex(first))", at: escape)
        default:
            break
        }
        // Surrogates are excluded above, so the value is always a valid scalar.
        let scalar = Unicode.Scalar(scalarValue).unsafelyUnwrapped
        for unit in UTF8.encode(scalar).unsafelyUnwrapped {
            scratch.append(unit)
        }
        return next
    }

    private func readHex4(at offset: Int) throws(JSONParseError) -> UInt16 {
        var result: UInt16 = 0
        for i in offset..<offset + 4 {
            guard i < end else { throw error(.unexpectedEnd, "truncated \\u escape", at: end) }
            let byte = buffer[i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default:
                throw error(.invalidEscape, "invalid hex digit \(Self.describe(byte)) in \\u escape", at: i)
            }
            result = result << 4 | UInt16(digit)
        }
        return result
    }

    /// Builds the string from decoded bytes; on invalid UTF-8, reports the first bad byte of the raw input.
    private func makeString(
        _ decoded: UnsafeBufferPointer<UInt8>,
        rawStart: Int,
        rawEnd: Int
    ) throws(JSONParseError) -> String {
        // Escapes decode to whole scalars, so raw and decoded bytes are valid or invalid together;
        // checking the raw bytes also yields the offset to report.
        if let offset = Self.firstInvalidUTF8(in: buffer, from: rawStart, to: rawEnd) {
            throw error(.invalidUTF8, "invalid UTF-8 in string", at: offset)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The offset of the first byte that starts an ill-formed sequence (Unicode Table 3-7), if any.
    static func firstInvalidUTF8(in buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        while i < end {
            let lead = buffer[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return i
            }
            guard i + length <= end else { return i }
            let second = buffer[i + 1]
            guard second >= low, second <= high else { return i }
            for k in 2..<max(length, 2) where !(0x80...0xBF).contains(buffer[i + k]) {
                return i
            }
            i += length
        }
        return nil
    }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
