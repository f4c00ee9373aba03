import Foundation
public import GRDB
public import Steps

/// Applies step-tracker commands inside a partition transaction.
public enum StepsRepository {
    /// Applies `commands` in order inside the caller's transaction and returns one reply per command.
    public static func apply(_ commands: [StepsCommand], in db: Database, limits: StepsLimits = .default) throws
        -> [StepsReply]
    {
        var replies: [StepsReply] = []
        replies.reserveCapacity(commands.count)
        for command in commands {
            switch command {
            case .get(let username):
                replies.append(.user(try user(username, in: db)))
            case .update(let update):
                let seen =
                    try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT 1 FROM steps_applied WHERE username = ? AND update_id = ?"),
                        arguments: [Data(update.username.utf8), Data(update.updateID.utf8)]) ?? false
                let current = try user(update.username, in: db)
                switch StepsState.apply(update, to: current, alreadyApplied: seen, limits: limits) {
                case .duplicate:
                    replies.append(.updated(duplicate: true))
                case .applied(let next, let forgetThrough):
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO steps_users(username, cumulative_steps, ts, applied_count) VALUES (?, ?, ?, ?)
                            ON CONFLICT(username) DO UPDATE SET cumulative_steps = excluded.cumulative_steps,
                                ts = excluded.ts, applied_count = excluded.applied_count
                            """
                    ).execute(arguments: [Data(update.username.utf8), next.cumulativeSteps, next.ts, next.appliedCount])
                    try db.cachedStatement(
                        sql: "INSERT INTO steps_applied(username, update_id, seq) VALUES (?, ?, ?)"
                    ).execute(arguments: [Data(update.username.utf8), Data(update.updateID.utf8), next.appliedCount])
                    if forgetThrough > 0 {
                        try db.cachedStatement(sql: "DELETE FROM steps_applied WHERE username = ? AND seq <= ?")
                            .execute(arguments: [Data(update.username.utf8), forgetThrough])
                    }
                    replies.append(.updated(duplicate: false))
                }
            }
        }
        return replies
    }

    /// One user's state, or nil.
    public static func user(_ username: String, in db: Database) throws -> UserSteps? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT cumulative_steps, ts, applied_count FROM steps_users WHERE username = ?"),
                arguments: [Data(username.utf8)])
        else { return nil }
        return UserSteps(cumulativeSteps: row[0], ts: row[1], appliedCount: row[2])
    }
}
