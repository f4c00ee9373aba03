/// Why a client's WebSocket frame (or a REST body) is not a valid lobby message; answered with
/// `{"$type":"invalid_message","reason":…}` and the connection stays open (contracts §4).
package struct LobbyMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable class of the problem.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name, usable as a metrics label.
        package var description: String { name }
        /// The frame is longer than `LobbyLimits.maxMessageBytes`.
        package static let tooLarge = Code(name: "too_large")
        /// The frame is not JSON.
        package static let invalidJSON = Code(name: "invalid_json")
        /// The JSON is not an object.
        package static let notAnObject = Code(name: "not_an_object")
        /// `$type` is absent or not a string.
        package static let missingType = Code(name: "missing_type")
        /// `$type` names no client message.
        package static let unknownType = Code(name: "unknown_type")
        /// A required field is absent.
        package static let missingField = Code(name: "missing_field")
        /// A field has the wrong JSON type or a value outside its limits.
        package static let invalidField = Code(name: "invalid_field")
    }

    /// The class of problem.
    package var code: Code
    /// The human-readable reason sent to the client.
    package var reason: String

    /// Creates an error.
    package init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    package var description: String { "\(code): \(reason)" }
}
