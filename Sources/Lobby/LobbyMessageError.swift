/// Why a client's WebSocket frame (or a REST body) is not a valid lobby message; answered with
/// `{"$type":"invalid_message","reason":…}` and the connection stays open (contracts §4).
public struct LobbyMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable class of the problem.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name, usable as a metrics label.
        public var description: String { name }
        /// The frame is longer than `LobbyLimits.maxMessageBytes`.
        public static let tooLarge = Code(name: "too_large")
        /// The frame is not JSON.
        public static let invalidJSON = Code(name: "invalid_json")
        /// The JSON is not an object.
        public static let notAnObject = Code(name: "not_an_object")
        /// `$type` is absent or not a string.
        public static let missingType = Code(name: "missing_type")
        /// `$type` names no client message.
        public static let unknownType = Code(name: "unknown_type")
        /// A required field is absent.
        public static let missingField = Code(name: "missing_field")
        /// A field has the wrong JSON type or a value outside its limits.
        public static let invalidField = Code(name: "invalid_field")
    }

    /// The class of problem.
    public var code: Code
    /// The human-readable reason sent to the client.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }
}
