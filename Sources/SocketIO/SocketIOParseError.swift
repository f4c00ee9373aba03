/// Why a Socket.IO packet was refused; the reference server closes the whole connection (protocol reference §2.2).
package struct SocketIOParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure, matchable without reading ``reason``.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: UInt8
        let name: String

        /// The Engine.IO message was empty.
        package static let emptyPacket = Code(rawValue: 1, name: "emptyPacket")
        /// The first character is not a type digit `0`–`6`.
        package static let unknownType = Code(rawValue: 2, name: "unknownType")
        /// A binary packet without a decimal attachment count followed by `-`.
        package static let invalidAttachments = Code(rawValue: 3, name: "invalidAttachments")
        /// More attachments than ``SocketIOPacket/maxAttachments``.
        package static let tooManyAttachments = Code(rawValue: 4, name: "tooManyAttachments")
        /// An ack id too large for an `Int`.
        package static let invalidAckID = Code(rawValue: 5, name: "invalidAckID")
        /// The data after the header is not JSON (`42abc["x"]`).
        package static let invalidJSON = Code(rawValue: 6, name: "invalidJSON")
        /// JSON of the wrong shape for the type (`42{}`, an EVENT named `connect`, DISCONNECT with data, …).
        package static let invalidPayload = Code(rawValue: 7, name: "invalidPayload")

        /// The code's name, e.g. `invalidPayload`.
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

    /// `Socket.IO parse error (<code>): <reason>`.
    package var description: String { "Socket.IO parse error (\(code)): \(reason)" }
}
