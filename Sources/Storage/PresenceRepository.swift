import Foundation
package import GRDB
package import Presence

/// Applies presence commands inside a partition transaction, keeping the partition's `PresenceState` and its
/// table in step.
///
/// The table keeps what a user last sent and when (`away` is derived from the time), so a restarted worker
/// resumes every timeout where it was.
package enum PresenceRepository {
    /// A presence command of a transaction.
    package enum Command: Sendable, Hashable {
        /// A command from a gateway.
        case gateway(PresenceCommand)
        /// The worker's own timeout sweep.
        case sweep
    }

    /// Applies `commands` in order to `state` and the table at time `now` (ms since the epoch). Returns one reply
    /// per command (nil for a sweep) and every change made, in order. Snapshots are answered with the state at
    /// the end of the transaction, so that they include every change published with it.
    package static func apply(
        _ commands: [Command], in db: Database, state: inout PresenceState, sequence: inout UInt64, now: Int64
    ) throws -> (replies: [PresenceReply?], changes: [PresenceChange]) {
        var changes: [PresenceChange] = []
        var replies: [PresenceReply?] = []
        var snapshots: [Int] = []
        for command in commands {
            switch command {
            case .gateway(.ping(let user, let status)):
                if let change = state.ping(user, status: status, at: now) { changes.append(change) }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO presence_users(user_id, status, last_ping) VALUES (?, ?, ?)
                        ON CONFLICT(user_id) DO UPDATE SET status = excluded.status, last_ping = excluded.last_ping
                        """
                ).execute(arguments: [Data(user.text.utf8), status.rawValue, now])
                replies.append(.pinged)
            case .gateway(.clear):
                changes += state.clear()
                try db.execute(sql: "DELETE FROM presence_users")
                replies.append(.cleared)
            case .gateway(.snapshot):
                snapshots.append(replies.count)
                replies.append(nil)
            case .sweep:
                let swept = state.sweep(at: now)
                for case .remove(let user) in swept {
                    try db.cachedStatement(sql: "DELETE FROM presence_users WHERE user_id = ?")
                        .execute(arguments: [Data(user.text.utf8)])
                }
                changes += swept
                replies.append(nil)
            }
        }
        if !changes.isEmpty { sequence += 1 }
        let entries = snapshots.isEmpty ? [] : state.entries
        for index in snapshots { replies[index] = .snapshot(sequence: sequence, entries: entries) }
        return (replies, changes)
    }

    /// Reads the partition's records into a state; those that expired while the partition was closed are removed
    /// (and their removal published) by the first sweep.
    package static func load(in db: Database, settings: PresenceSettings) throws -> PresenceState {
        var records: [PresenceUserID: PresenceState.Record] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT user_id, status, last_ping FROM presence_users") {
            let data: Data = row[0]
            let statusText: String = row[1]
            guard let user = PresenceUserID(String(decoding: data, as: UTF8.self)),
                let status = PresenceStatus(clientValue: statusText)
            else { continue }
            records[user] = PresenceState.Record(status: status, lastPing: row[2])
        }
        return PresenceState(settings: settings, records: records)
    }
}
