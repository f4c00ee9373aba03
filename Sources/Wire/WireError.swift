/// A message that breaks the wire format. Receivers drop such a message and count it; it is never fatal.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable reason.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name, used as the metrics label.
        public var description: String { name }
        /// A frame ended before a field did.
        public static let truncated = Code(name: "truncated")
        /// The header does not start with the magic bytes.
        public static let badMagic = Code(name: "bad_magic")
        /// A version this build does not speak.
        public static let unsupportedVersion = Code(name: "unsupported_version")
        /// A kind byte outside `MessageKind`.
        public static let unknownKind = Code(name: "unknown_kind")
        /// A product byte outside `ProductCode`.
        public static let unknownProduct = Code(name: "unknown_product")
        /// A status byte outside `ReplyStatus`.
        public static let unknownStatus = Code(name: "unknown_status")
        /// The origin is empty, too long or has bytes outside `[A-Za-z0-9._-]`.
        public static let badOrigin = Code(name: "bad_origin")
        /// Lengths disagree with the frame, or bytes are left over.
        public static let badLength = Code(name: "bad_length")
        /// Wrong number of frames for the message kind.
        public static let badFrames = Code(name: "bad_frames")
        /// A string that is not UTF-8.
        public static let badString = Code(name: "bad_string")
        /// A body field holds a value the message kind does not allow.
        public static let badValue = Code(name: "bad_value")
    }

    /// Why the message was rejected.
    public var code: Code
    /// Human-readable detail for logs.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code): \(detail)" }
}
