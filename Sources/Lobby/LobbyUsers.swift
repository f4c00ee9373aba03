/// The lobby's users by name, and the login check (contracts §4: `admin`/`admin` and `user`/`user` exist on first
/// start; more can be configured).
package struct LobbyUsers: Sendable, Hashable {
    /// Every user by name.
    package private(set) var byName: [String: LobbyUser]
    /// Limits for usernames and passwords.
    package let limits: LobbyLimits

    /// The users of a first start, with their passwords: `admin`/`admin` (admin) and `user`/`user` (user).
    package static let defaultCredentials: [(username: String, password: String, type: LobbyUserType)] = [
        ("admin", "admin", .admin), ("user", "user", .user),
    ]

    /// A directory holding `users` (a later one replaces an earlier one of the same name; invalid names are left
    /// out, as `set` does).
    package init(_ users: [LobbyUser] = [], limits: LobbyLimits = .default) {
        byName = [:]
        self.limits = limits
        for user in users { set(user) }
    }

    /// The users of a first start, their passwords hashed with salts from `generator`.
    package static func defaults<Generator: RandomNumberGenerator>(
        iterations: Int = LobbyPassword.defaultIterations, using generator: inout Generator
    ) throws(LobbyPasswordError) -> LobbyUsers {
        var users: [LobbyUser] = []
        for (username, password, type) in defaultCredentials {
            let hashed = try LobbyPassword(hashing: password, iterations: iterations, using: &generator)
            users.append(LobbyUser(username: username, password: hashed, type: type))
        }
        return LobbyUsers(users)
    }

    /// Adds or replaces a user. Returns false, changing nothing, when the username is empty or longer than
    /// `limits.maxCredentialBytes` (such a name could never log in).
    @discardableResult
    package mutating func set(_ user: LobbyUser) -> Bool {
        guard !user.username.isEmpty, user.username.utf8.count <= limits.maxCredentialBytes else { return false }
        byName[user.username] = user
        return true
    }

    /// The user's type when `password` is right, else nil. An unknown name costs the same derivation as a known
    /// one, so the time taken does not tell which names exist.
    package func authenticate(username: String, password: String) -> LobbyUserType? {
        guard let user = byName[username] else {
            let iterations = byName.values.first?.password.iterations ?? LobbyPassword.defaultIterations
            _ = try? LobbyPassword.pbkdf2SHA256(
                password: Array(password.utf8), salt: Self.decoySalt, iterations: iterations,
                byteCount: LobbyPassword.keyByteCount)
            return nil
        }
        return user.password.verify(password) ? user.type : nil
    }

    private static let decoySalt = [UInt8](repeating: 0x5A, count: LobbyPassword.saltByteCount)
}
