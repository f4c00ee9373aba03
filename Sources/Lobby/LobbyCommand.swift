package import Wire

/// A lobby command, as a gateway (or the admin CLI) sends it to the partition that owns the lobby.
package enum LobbyCommand: Sendable, Hashable {
    /// Answer the tables and the sequence number of the last event published before the reply (a snapshot).
    case list
    /// Add a table after `afterID` (−1: first); the owner assigns the id.
    case add(afterID: Int64, name: String, participants: Int64)
    /// Replace the name and participants of the table with `table.id`.
    case update(LobbyTable)
    /// Remove the table `id`.
    case remove(id: Int64)
    /// Check a login on the owner; answered `authenticated` with the user's type, or nil. Gateways of this version
    /// send `credentials` and check the password themselves; the owner still answers this for older gateways.
    case authenticate(username: String, password: String)
    /// Fetch a user's stored password hash and type; answered `credentials`. The gateway runs the password check
    /// itself, so the PBKDF2 cost of logins never queues behind (or in front of) the owner's other commands.
    case credentials(username: String)
    /// Add or replace a user (admin CLI); answered `userSet`.
    case setUser(username: String, passwordHash: LobbyPassword, type: LobbyUserType)

    private static let listTag: UInt8 = 1
    private static let addTag: UInt8 = 2
    private static let updateTag: UInt8 = 3
    private static let removeTag: UInt8 = 4
    private static let authenticateTag: UInt8 = 5
    private static let setUserTag: UInt8 = 6

    /// The key whose partition holds the lobby (its tables and users): one partition, found like any key's.
    package static let partitionKey = "lobby"
    private static let credentialsTag: UInt8 = 7

    /// Encodes the body frame: `u8 tag` then tag 1 list (nothing), 2 add `i64 after_id | str name | i64
    /// participants`, 3 update `table`, 4 remove `i64 id`, 5 authenticate `str username | str password`, 6 set user
    /// `str username | str stored hash | u8 type (1 admin, 2 user)`, 7 credentials `str username`.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 48)
        switch self {
        case .list:
            w.write(Self.listTag)
        case .add(let afterID, let name, let participants):
            w.write(Self.addTag)
            w.write(int64: afterID)
            w.write(name)
            w.write(int64: participants)
        case .update(let table):
            w.write(Self.updateTag)
            table.write(to: &w)
        case .remove(let id):
            w.write(Self.removeTag)
            w.write(int64: id)
        case .authenticate(let username, let password):
            w.write(Self.authenticateTag)
            w.write(username)
            w.write(password)
        case .credentials(let username):
            w.write(Self.credentialsTag)
            w.write(username)
        case .setUser(let username, let passwordHash, let type):
            w.write(Self.setUserTag)
            w.write(username)
            w.write(passwordHash.stored)
            w.write(type.code)
        }
        return w.bytes
    }

    /// Decodes a body frame; a set-user hash that `LobbyPassword(stored:)` refuses is malformed.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.listTag:
            self = .list
        case Self.addTag:
            let afterID = try r.readInt64()
            let name = try r.readString()
            self = .add(afterID: afterID, name: name, participants: try r.readInt64())
        case Self.updateTag:
            self = .update(try LobbyTable.read(from: &r))
        case Self.removeTag:
            self = .remove(id: try r.readInt64())
        case Self.authenticateTag:
            let username = try r.readString()
            self = .authenticate(username: username, password: try r.readString())
        case Self.credentialsTag:
            self = .credentials(username: try r.readString())
        case Self.setUserTag:
            let username = try r.readString()
            let passwordHash = try LobbyPassword.read(from: &r)
            self = .setUser(username: username, passwordHash: passwordHash, type: try LobbyUserType(code: r.readByte()))
        default:
            throw WireError(.badValue, "lobby command tag \(tag)")
        }
        try r.expectEnd()
    }
}

extension LobbyPassword {
    /// Reads a stored hash (`str`) from a lobby body; one that does not parse is a malformed message.
    static func read(from r: inout ByteReader) throws(WireError) -> LobbyPassword {
        let stored = try r.readString()
        do {
            return try LobbyPassword(stored: stored)
        } catch {
            throw WireError(.badValue, "lobby password hash: \(error)")
        }
    }
}
