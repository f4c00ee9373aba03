/// Why a lobby load run, or one of its connections, could not go ahead.
struct LobbyLoadError: Error, CustomStringConvertible {
    /// Details for people.
    var description: String

    /// An error saying `description`.
    init(_ description: String) { self.description = description }
}
