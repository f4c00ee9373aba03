/// A lobby user's type (contracts §4): only an admin may add, update or remove tables.
package enum LobbyUserType: String, Sendable, Hashable, CaseIterable {
    /// May use privileged commands.
    case admin
    /// May log in, ping and subscribe.
    case user
}
