import Foundation
package import GRDB
package import Lobby

/// Applies lobby commands inside the lobby partition's transaction. The table list lives in memory
/// (`PartitionMemory.lobby`, one writer) and in `lobby_tables`; users are read from `lobby_users` at each login, so
/// a user changed by `switchyard lobby-user` counts at once.
package enum LobbyRepository {
    /// Applies `commands` in order. Returns one reply per command and the events to publish, each with its
    /// sequence number. A `list` is answered with the tables and sequence as of the end of the transaction, so
    /// that it covers every event published with it.
    package static func apply(
        _ commands: [LobbyCommand], in db: Database, state: inout LobbyState?, sequence: inout UInt64
    ) throws -> (replies: [LobbyReply], events: [(sequence: UInt64, event: LobbyEvent)]) {
        var lobby = try state ?? load(in: db)
        var replies: [LobbyReply?] = []
        var events: [(sequence: UInt64, event: LobbyEvent)] = []
        var lists: [Int] = []
        for command in commands {
            let outcome: Result<LobbyEvent, LobbyFailure>?
            switch command {
            case .list:
                lists.append(replies.count)
                replies.append(nil)
                continue
            case .add(let afterID, let name, let participants):
                outcome = lobby.add(afterID: afterID, name: name, participants: participants)
            case .update(let table):
                outcome = lobby.update(id: table.id, name: table.name, participants: table.participants)
            case .remove(let id):
                outcome = lobby.remove(id: id)
            case .authenticate(let username, let password):
                replies.append(.authenticated(try authenticate(username, password, in: db)))
                outcome = nil
            case .credentials(let username):
                replies.append(.credentials(try user(username, in: db)))
                outcome = nil
            case .setUser(let username, let hash, let type):
                try setUser(username, hash, type, in: db)
                replies.append(.userSet)
                outcome = nil
            }
            switch outcome {
            case .success(let event)?:
                sequence += 1
                events.append((sequence, event))
                replies.append(.changed(sequence: sequence, event: event))
            case .failure(let failure)?:
                replies.append(.failed(failure))
            case nil:
                break
            }
        }
        if !events.isEmpty { try store(lobby, in: db) }
        for index in lists { replies[index] = .tables(sequence: sequence, tables: lobby.tables) }
        state = lobby
        // Every slot was filled above (lists at the end).
        return (replies.map { $0! }, events)
    }

    /// Sets a user's password and type in the lobby's partition (the `setUser` command, which `switchyard lobby-user`
    /// sends through the fleet).
    package static func setUser(
        _ username: String, _ hash: LobbyPassword, _ type: LobbyUserType, in db: Database
    ) throws {
        try seedIfNeeded(in: db)
        try db.execute(
            sql: """
                INSERT INTO lobby_users(username, password, user_type) VALUES (?, ?, ?)
                ON CONFLICT(username) DO UPDATE SET password = excluded.password, user_type = excluded.user_type
                """, arguments: [Data(username.utf8), hash.stored, type.rawValue])
    }

    /// The tables from the file, seeding the contract's first-start content if the lobby was never used.
    static func load(in db: Database) throws -> LobbyState {
        try seedIfNeeded(in: db)
        let rows = try Row.fetchAll(db, sql: "SELECT id, name, participants FROM lobby_tables ORDER BY position")
        let tables = rows.map { row in
            let name: Data = row[1]
            return LobbyTable(id: row[0], name: String(decoding: name, as: UTF8.self), participants: row[2])
        }
        let nextID = try Int64.fetchOne(db, sql: "SELECT value FROM lobby_meta WHERE key = 'next_id'") ?? 1
        guard let state = LobbyState(tables: tables, nextID: nextID) else {
            throw DatabaseError(message: "lobby_tables is inconsistent (repeated ids or an id at or above next_id)")
        }
        return state
    }

    /// On the first use of the lobby's partition: the contract's two tables and the default users.
    private static func seedIfNeeded(in db: Database) throws {
        guard try Int64.fetchOne(db, sql: "SELECT value FROM lobby_meta WHERE key = 'seeded'") == nil else { return }
        try store(.initial, in: db)
        for (username, password, type) in LobbyUsers.defaultCredentials {
            let hash = try LobbyPassword(hashing: password)
            try db.execute(
                sql: "INSERT OR IGNORE INTO lobby_users(username, password, user_type) VALUES (?, ?, ?)",
                arguments: [Data(username.utf8), hash.stored, type.rawValue])
        }
        try db.execute(sql: "INSERT INTO lobby_meta(key, value) VALUES ('seeded', 1)")
    }

    /// Rewrites the list: at most `LobbyLimits.maxTables` rows, and changes are admin actions, so simplicity wins.
    private static func store(_ lobby: LobbyState, in db: Database) throws {
        try db.execute(sql: "DELETE FROM lobby_tables")
        let insert = try db.cachedStatement(
            sql: "INSERT INTO lobby_tables(id, position, name, participants) VALUES (?, ?, ?, ?)")
        for (position, table) in lobby.tables.enumerated() {
            try insert.execute(arguments: [table.id, position, Data(table.name.utf8), table.participants])
        }
        try db.execute(
            sql: """
                INSERT INTO lobby_meta(key, value) VALUES ('next_id', ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value
                """, arguments: [lobby.nextID])
    }

    /// The user's stored record, or nil for an unknown name (or a row that does not read as one).
    private static func user(_ username: String, in db: Database) throws -> LobbyUser? {
        try seedIfNeeded(in: db)
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT password, user_type FROM lobby_users WHERE username = ?",
                arguments: [Data(username.utf8)]),
            let hash = try? LobbyPassword(stored: row[0]), let type = LobbyUserType(rawValue: row[1])
        else { return nil }
        return LobbyUser(username: username, password: hash, type: type)
    }

    private static func authenticate(_ username: String, _ password: String, in db: Database) throws
        -> LobbyUserType?
    {
        var users = LobbyUsers()
        if let user = try user(username, in: db) { users.set(user) }
        // An unknown name costs the same derivation as a known one (LobbyUsers.authenticate).
        return users.authenticate(username: username, password: password)
    }
}
