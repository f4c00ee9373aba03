/// Why and where ``JSONParser`` rejected a document.
package struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure, matchable without reading ``reason``.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: UInt8
        let name: String

        /// The input ended inside a value.
        package static let unexpectedEnd = Code(rawValue: 1, name: "unexpectedEnd")
        /// A byte that cannot start or continue the value here (includes trailing commas and bad literals).
        package static let unexpectedByte = Code(rawValue: 2, name: "unexpectedByte")
        /// A number that breaks RFC 8259's grammar (leading zero, missing digits, …).
        package static let invalidNumber = Code(rawValue: 3, name: "invalidNumber")
        /// A number too large in magnitude for `Double`.
        package static let numberOverflow = Code(rawValue: 4, name: "numberOverflow")
        /// An unescaped control character (below U+0020) inside a string.
        package static let controlCharacter = Code(rawValue: 5, name: "controlCharacter")
        /// A backslash escape that RFC 8259 does not define, or a malformed `\u` escape.
        package static let invalidEscape = Code(rawValue: 6, name: "invalidEscape")
        /// A `\u` escape naming a lone or mismatched UTF-16 surrogate.
        package static let invalidSurrogate = Code(rawValue: 7, name: "invalidSurrogate")
        /// Bytes that are not well-formed UTF-8.
        package static let invalidUTF8 = Code(rawValue: 8, name: "invalidUTF8")
        /// Non-whitespace after the top-level value.
        package static let trailingData = Code(rawValue: 9, name: "trailingData")
        /// Nesting deeper than ``JSONLimits/maxDepth``.
        package static let depthExceeded = Code(rawValue: 10, name: "depthExceeded")

        /// The code's name, e.g. `numberOverflow`.
        package var description: String { name }

        /// Codes are equal when their identities are; the name is only for display.
        package static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }

        /// Hashes the code's identity.
        package func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    /// The class of failure.
    package var code: Code
    /// The byte offset in the input at which the problem was detected.
    package var offset: Int
    /// A human-readable explanation.
    package var reason: String

    /// Creates an error.
    package init(code: Code, offset: Int, reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    /// `JSON parse error at byte <offset>: <reason>`.
    package var description: String { "JSON parse error at byte \(offset): \(reason)" }
}
