import Foundation
package import GRDB
package import Steps

/// Applies step-tracker commands inside a partition transaction.
package enum StepsRepository {
    /// Applies `commands` in order inside the caller's transaction and returns one reply per command.
    ///
    /// Each user touched is read once and written once per call, however many of its updates the batch holds, and
    /// the dedupe check is the insert of the id itself (`INSERT OR IGNORE`): one statement per update instead of
    /// four, which is what makes a large group commit cheap per update.
    package static func apply(_ commands: [StepsCommand], in db: Database, limits: StepsLimits = .default) throws
        -> [StepsReply]
    {
        var replies: [StepsReply] = []
        replies.reserveCapacity(commands.count)
        // The transaction's view of each user read so far; `dirty` ones are written back at the end.
        var users: [String: UserSteps?] = [:]
        var dirty: Set<String> = []
        let remember = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO steps_applied(username, update_id, seq) VALUES (?, ?, ?)")
        for command in commands {
            switch command {
            case .get(let username):
                if let cached = users[username] {
                    replies.append(.user(cached))
                } else {
                    replies.append(.user(try user(username, in: db)))
                }
            case .update(let update):
                let name = update.username
                let current: UserSteps?
                if let cached = users[name] {
                    current = cached
                } else {
                    current = try user(name, in: db)
                    users[name] = current
                }
                let key = Data(name.utf8)
                // The sequence this update gets if it is new; a remembered id makes the insert a no-op.
                let seq = (current?.appliedCount ?? 0) + 1
                try remember.execute(arguments: [key, Data(update.updateID.utf8), seq])
                let isNew = db.changesCount > 0
                switch StepsState.apply(update, to: current, alreadyApplied: !isNew, limits: limits) {
                case .duplicate:
                    replies.append(.updated(duplicate: true))
                case .applied(let next, let forgetThrough):
                    users[name] = next
                    dirty.insert(name)
                    if forgetThrough > 0 {
                        // At once, not at the end: an id that leaves the window counts again later in this batch.
                        try db.cachedStatement(sql: "DELETE FROM steps_applied WHERE username = ? AND seq <= ?")
                            .execute(arguments: [key, forgetThrough])
                    }
                    replies.append(.updated(duplicate: false))
                }
            }
        }
        if !dirty.isEmpty {
            let store = try db.cachedStatement(
                sql: """
                    INSERT INTO steps_users(username, cumulative_steps, ts, applied_count) VALUES (?, ?, ?, ?)
                    ON CONFLICT(username) DO UPDATE SET cumulative_steps = excluded.cumulative_steps,
                        ts = excluded.ts, applied_count = excluded.applied_count
                    """)
            for name in dirty {
                guard let state = users[name] ?? nil else { continue }
                try store.execute(arguments: [Data(name.utf8), state.cumulativeSteps, state.ts, state.appliedCount])
            }
        }
        return replies
    }

    /// One user's state, or nil.
    package static func user(_ username: String, in db: Database) throws -> UserSteps? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT cumulative_steps, ts, applied_count FROM steps_users WHERE username = ?"),
                arguments: [Data(username.utf8)])
        else { return nil }
        return UserSteps(cumulativeSteps: row[0], ts: row[1], appliedCount: row[2])
    }
}
