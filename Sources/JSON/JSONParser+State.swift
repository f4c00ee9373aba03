extension JSONParser {
    /// The cursor and container stack of one parse; lives for one call and never escapes it.
    struct State {
        /// An open array or object.
        struct Frame {
            var isObject: Bool
            /// Where this container's children start in `entries` or `elements`.
            var start: Int
            /// The key awaiting its value (objects only).
            var key: String
        }

        let buffer: UnsafeBufferPointer<UInt8>
        let end: Int
        var position = 0
        let maxDepth: Int
        /// The innermost open container, kept out of `frames` so flat documents never allocate a stack.
        var current: Frame?
        /// The containers enclosing `current`, outermost first.
        var frames: [Frame] = []
        /// Children of all open objects, innermost last.
        var entries: [JSONObject.Entry] = []
        /// Children of all open arrays, innermost last.
        var elements: [JSONValue] = []
        /// Reused for strings containing escapes.
        var scratch: [UInt8] = []

        init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.buffer = buffer
            self.end = buffer.count
            self.maxDepth = maxDepth
        }

        /// Parses the whole input as one value surrounded by optional whitespace.
        mutating func parseDocument() throws(JSONParseError) -> JSONValue {
            readValue: while true {
                skipWhitespace()
                guard position < end else { throw error(.unexpectedEnd, "expected a value, found end of input") }
                var value: JSONValue
                switch buffer[position] {
                case UInt8(ascii: "{"):
                    try checkDepth()
                    position += 1
                    skipWhitespace()
                    if position < end, buffer[position] == UInt8(ascii: "}") {
                        position += 1
                        value = .object(JSONObject())
                    } else {
                        let key = try readKey(afterComma: false)
                        if entries.capacity == 0 { entries.reserveCapacity(8) }
                        open(Frame(isObject: true, start: entries.count, key: key))
                        continue readValue
                    }
                case UInt8(ascii: "["):
                    try checkDepth()
                    position += 1
                    skipWhitespace()
                    if position < end, buffer[position] == UInt8(ascii: "]") {
                        position += 1
                        value = .array([])
                    } else {
                        if elements.capacity == 0 { elements.reserveCapacity(8) }
                        open(Frame(isObject: false, start: elements.count, key: ""))
                        continue readValue
                    }
                case UInt8(ascii: "\""):
                    value = .string(try readString())
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = .number(try readNumber())
                case UInt8(ascii: "t"):
                    try readLiteral("true")
                    value = .bool(true)
                case UInt8(ascii: "f"):
                    try readLiteral("false")
                    value = .bool(false)
                case UInt8(ascii: "n"):
                    try readLiteral("null")
                    value = .null
                case let byte:
                    throw error(.unexpectedByte, "expected a value, found \(Self.describe(byte))")
                }

                // Hand the finished value to its container, closing containers as their ends arrive.
                while let frame = current {
                    skipWhitespace()
                    guard position < end else {
                        throw error(.unexpectedEnd, "unterminated \(frame.isObject ? "object" : "array")")
                    }
                    let byte = buffer[position]
                    if frame.isObject {
                        entries.append(JSONObject.Entry(key: frame.key, value: value))
                        if byte == UInt8(ascii: ",") {
                            position += 1
                            skipWhitespace()
                            let key = try readKey(afterComma: true)
                            current?.key = key
                            continue readValue
                        }
                        guard byte == UInt8(ascii: "}") else {
                            throw error(.unexpectedByte, "expected ',' or '}' in object, found \(Self.describe(byte))")
                        }
                        position += 1
                        current = frames.popLast()
                        value = .object(JSONObject(uniquing: Self.take(&entries, from: frame.start)))
                    } else {
                        elements.append(value)
                        if byte == UInt8(ascii: ",") {
                            position += 1
                            skipWhitespace()
                            if position < end, buffer[position] == UInt8(ascii: "]") {
                                throw error(.unexpectedByte, "trailing comma in array")
                            }
                            continue readValue
                        }
                        guard byte == UInt8(ascii: "]") else {
                            throw error(.unexpectedByte, "expected ',' or ']' in array, found \(Self.describe(byte))")
                        }
                        position += 1
                        current = frames.popLast()
                        value = .array(Self.take(&elements, from: frame.start))
                    }
                }
                skipWhitespace()
                guard position == end else {
                    throw error(.trailingData, "unexpected \(Self.describe(buffer[position])) after the value")
                }
                return value
            }
        }

        /// Reads `"key"` and the `:` after it; whitespace before the key is already skipped.
        private mutating func readKey(afterComma: Bool) throws(JSONParseError) -> String {
            guard position < end else { throw error(.unexpectedEnd, "unterminated object") }
            let byte = buffer[position]
            guard byte == UInt8(ascii: "\"") else {
                if afterComma, byte == UInt8(ascii: "}") { throw error(.unexpectedByte, "trailing comma in object") }
                throw error(.unexpectedByte, "expected a string key, found \(Self.describe(byte))")
            }
            let key = try readString()
            skipWhitespace()
            guard position < end else { throw error(.unexpectedEnd, "unterminated object") }
            guard buffer[position] == UInt8(ascii: ":") else {
                throw error(.unexpectedByte, "expected ':' after key, found \(Self.describe(buffer[position]))")
            }
            position += 1
            return key
        }

        private func checkDepth() throws(JSONParseError) {
            let depth = current == nil ? 0 : frames.count + 1
            if depth >= maxDepth {
                throw error(.depthExceeded, "nesting deeper than the limit of \(maxDepth)")
            }
        }

        private mutating func open(_ frame: Frame) {
            if let enclosing = current {
                if frames.capacity == 0 { frames.reserveCapacity(8) }
                frames.append(enclosing)
            }
            current = frame
        }

        /// Removes and returns `stack[start...]`; the outermost container takes the whole buffer without copying.
        private static func take<Element>(_ stack: inout [Element], from start: Int) -> [Element] {
            if start == 0 {
                defer { stack = [] }
                return stack
            }
            let children = Array(stack[start...])
            stack.removeSubrange(start...)
            return children
        }

        private mutating func readLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            let expected = literal.utf8Start
            for i in 0..<count {
                guard position + i < end else { throw error(.unexpectedEnd, "truncated literal \(literal)") }
                guard buffer[position + i] == expected[i] else {
                    position += i
                    throw error(.unexpectedByte, "invalid literal, expected \(literal)")
                }
            }
            position += count
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while position < end {
                switch buffer[position] {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    position += 1
                default:
                    return
                }
            }
        }

        func error(_ code: JSONParseError.Code, _ reason: String, at offset: Int? = nil) -> JSONParseError {
            JSONParseError(code: code, offset: offset ?? position, reason: reason)
        }

        static func describe(_ byte: UInt8) -> String {
            if byte >= 0x20, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            let hex = String(byte, radix: 16, uppercase: true)
            return "byte 0x\(byte < 0x10 ? "0" : "")\(hex)"
        }
    }
}
