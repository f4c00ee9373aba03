/// Why a stream run could not go ahead or did not finish.
struct StreamError: Error, CustomStringConvertible {
    /// Details for people.
    var message: String

    /// A WebSocket connection ended before all its updates were written.
    static func disconnected(_ message: String) -> StreamError { StreamError(message: message) }

    var description: String { message }
}
