/// Why a learning-stats request is refused before it reaches the fleet: a 400 (or 413) whose `message` is the
/// JSON body's `error` (contracts §2).
package struct StatsInputError: Error, Sendable, Hashable {
    /// Matchable reason.
    package enum Code: Sendable, Hashable {
        /// `X-User-Id` is missing or not a UUID.
        case userID
        /// A path id is not a UUID.
        case pathID
        /// The body is larger than the limit (413).
        case tooLarge
        /// The body is not valid JSON or not an object.
        case notAnObject
        /// A field is missing, of the wrong type or out of range.
        case field
    }

    /// The reason.
    package var code: Code
    /// The text of the `error` field.
    package var message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `X-User-Id` missing or malformed.
    package static let userID = StatsInputError(.userID, "X-User-Id header must be a UUID")

    /// The path parameter `name` is not a UUID.
    package static func pathID(_ name: String) -> StatsInputError {
        StatsInputError(.pathID, "\(name) must be a UUID")
    }
}
