package import Wire

/// The lobby owner's answer to a `LobbyCommand`.
package enum LobbyReply: Sendable, Hashable {
    /// Answers `list`: the tables, and the sequence number of the last event published before this reply.
    case tables(sequence: UInt64, tables: [LobbyTable])
    /// Answers a successful `add`, `update` or `remove`: `event` was published, with `sequence`, before this reply
    /// (REST answers the created or updated table from it).
    case changed(sequence: UInt64, event: LobbyEvent)
    /// Answers a refused `add`, `update`, `remove` (or `setUser` with an invalid name).
    case failed(LobbyFailure)
    /// Answers `authenticate`: the user's type, or nil for wrong credentials.
    case authenticated(LobbyUserType?)
    /// Answers `setUser`.
    case userSet
    /// Answers `credentials`: the user's stored hash and type, or nil for an unknown name.
    case credentials(LobbyUser?)

    private static let tablesTag: UInt8 = 1
    private static let changedTag: UInt8 = 2
    private static let failedTag: UInt8 = 3
    private static let authenticatedTag: UInt8 = 4
    private static let userSetTag: UInt8 = 5
    private static let credentialsTag: UInt8 = 6

    /// Encodes the body frame: `u8 tag` then tag 1 tables `u64 sequence | u32 n | table × n`, 2 changed
    /// `u64 sequence | event body`, 3 failed `failure`, 4 authenticated `u8 type (0 none, 1 admin, 2 user)`,
    /// 5 user set (nothing), 6 credentials `u8 type (0 unknown user, then nothing more; 1 admin, 2 user) | str
    /// username | str stored hash`.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        switch self {
        case .tables(let sequence, let tables):
            w.write(Self.tablesTag)
            w.write(sequence)
            w.write(UInt32(tables.count))
            for table in tables { table.write(to: &w) }
        case .changed(let sequence, let event):
            w.write(Self.changedTag)
            w.write(sequence)
            w.write(contentsOf: LobbyEventBody.encode(event))
        case .failed(let failure):
            w.write(Self.failedTag)
            failure.write(to: &w)
        case .authenticated(let type):
            w.write(Self.authenticatedTag)
            w.write(type?.code ?? 0)
        case .userSet:
            w.write(Self.userSetTag)
        case .credentials(let user):
            w.write(Self.credentialsTag)
            if let user {
                w.write(user.type.code)
                w.write(user.username)
                w.write(user.password.stored)
            } else {
                w.write(UInt8(0))
            }
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.tablesTag:
            let sequence = try r.readUInt64()
            let count = try r.readUInt32()
            var tables: [LobbyTable] = []
            // Each table takes at least 18 bytes: reserve only what the frame can hold.
            tables.reserveCapacity(min(Int(count), r.remaining / 18))
            for _ in 0..<count { tables.append(try LobbyTable.read(from: &r)) }
            self = .tables(sequence: sequence, tables: tables)
        case Self.changedTag:
            let sequence = try r.readUInt64()
            let event = try LobbyEventBody.decode(try r.readBytes(r.remaining))
            self = .changed(sequence: sequence, event: event)
        case Self.failedTag:
            self = .failed(try LobbyFailure.read(from: &r))
        case Self.authenticatedTag:
            let code = try r.readByte()
            self = .authenticated(code == 0 ? nil : try LobbyUserType(code: code))
        case Self.userSetTag:
            self = .userSet
        case Self.credentialsTag:
            let code = try r.readByte()
            if code == 0 {
                self = .credentials(nil)
            } else {
                let type = try LobbyUserType(code: code)
                let username = try r.readString()
                self = .credentials(
                    LobbyUser(username: username, password: try LobbyPassword.read(from: &r), type: type))
            }
        default:
            throw WireError(.badValue, "lobby reply tag \(tag)")
        }
        try r.expectEnd()
    }
}
