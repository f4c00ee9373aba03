/// Why a load run could not go ahead.
struct LoadError: Error, CustomStringConvertible, Equatable {
    /// A matchable reason.
    enum Code: Sendable, Equatable {
        case closedBeforeUpgrade
        case upgradeTimedOut
        case noConnection
    }

    /// The reason.
    var code: Code
    /// Details for people.
    var message: String

    /// The server closed the connection before answering the upgrade.
    static let closedBeforeUpgrade = LoadError(
        code: .closedBeforeUpgrade, message: "the connection closed before the WebSocket upgrade")
    /// The upgrade did not complete within the connect timeout.
    static let upgradeTimedOut = LoadError(
        code: .upgradeTimedOut, message: "the WebSocket upgrade did not complete in time")

    var description: String { message }
}
