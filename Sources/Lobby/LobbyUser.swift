/// A lobby user as stored: name, hashed password and type.
public struct LobbyUser: Sendable, Hashable {
    /// The login name.
    public var username: String
    /// The hashed password.
    public var password: LobbyPassword
    /// Admin or user.
    public var type: LobbyUserType

    /// Creates a user.
    public init(username: String, password: LobbyPassword, type: LobbyUserType) {
        self.username = username
        self.password = password
        self.type = type
    }
}
