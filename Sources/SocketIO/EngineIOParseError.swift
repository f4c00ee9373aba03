/// Why an Engine.IO packet could not be decoded; the session closes with reason "parse error" (protocol §1.2).
package struct EngineIOParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure, matchable without reading ``reason``.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: UInt8
        let name: String

        /// The packet has no characters at all, so no type digit.
        package static let emptyPacket = Code(rawValue: 1, name: "emptyPacket")
        /// The first character is neither a type digit `0`–`6` nor `b`.
        package static let unknownType = Code(rawValue: 2, name: "unknownType")
        /// A `b` packet whose data is not base64.
        package static let invalidBase64 = Code(rawValue: 3, name: "invalidBase64")

        /// The code's name, e.g. `unknownType`.
        package var description: String { name }

        /// Codes are equal when their identities are; the name is only for display.
        package static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }

        /// Hashes the code's identity.
        package func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    /// The class of failure.
    package var code: Code
    /// A human-readable explanation.
    package var reason: String

    /// Creates an error.
    package init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `Engine.IO parse error (<code>): <reason>`.
    package var description: String { "Engine.IO parse error (\(code)): \(reason)" }
}
