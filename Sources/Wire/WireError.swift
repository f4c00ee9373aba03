/// A message that breaks the wire format. Receivers drop such a message and count it; it is never fatal.
package struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable reason.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name, used as the metrics label.
        package var description: String { name }
        /// A frame ended before a field did.
        package static let truncated = Code(name: "truncated")
        /// The header does not start with the magic bytes.
        package static let badMagic = Code(name: "bad_magic")
        /// A version this build does not speak.
        package static let unsupportedVersion = Code(name: "unsupported_version")
        /// A kind byte outside `MessageKind`.
        package static let unknownKind = Code(name: "unknown_kind")
        /// A product byte outside `ProductCode`.
        package static let unknownProduct = Code(name: "unknown_product")
        /// A status byte outside `ReplyStatus`.
        package static let unknownStatus = Code(name: "unknown_status")
        /// The origin is empty, too long or has bytes outside `[A-Za-z0-9._-]`.
        package static let badOrigin = Code(name: "bad_origin")
        /// Lengths disagree with the frame, or bytes are left over.
        package static let badLength = Code(name: "bad_length")
        /// Wrong number of frames for the message kind.
        package static let badFrames = Code(name: "bad_frames")
        /// A string that is not UTF-8.
        package static let badString = Code(name: "bad_string")
        /// A body field holds a value the message kind does not allow.
        package static let badValue = Code(name: "bad_value")
    }

    /// Why the message was rejected.
    package var code: Code
    /// Human-readable detail for logs.
    package var detail: String

    /// Creates an error.
    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    package var description: String { "\(code): \(detail)" }
}
