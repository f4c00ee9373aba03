/// A lobby user as stored: name, hashed password and type.
package struct LobbyUser: Sendable, Hashable {
    /// The login name.
    package var username: String
    /// The hashed password.
    package var password: LobbyPassword
    /// Admin or user.
    package var type: LobbyUserType

    /// Creates a user.
    package init(username: String, password: LobbyPassword, type: LobbyUserType) {
        self.username = username
        self.password = password
        self.type = type
    }
}
