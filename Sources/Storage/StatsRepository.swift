import Foundation
package import GRDB
package import Stats

/// Applies learning-stats commands inside a partition transaction.
///
/// A course's statistics are kept as running sums next to its sessions, so reading a course is one row whatever
/// its number of sessions, and recording a session is one lookup, one insert and one upsert.
package enum StatsRepository {
    /// Applies `commands` in order inside the caller's transaction and returns one reply per command.
    package static func apply(_ commands: [StatsCommand], in db: Database) throws -> [StatsReply] {
        try commands.map { command in
            switch command {
            case .record(let user, let course, let session):
                return try record(session, user: user, course: course, in: db)
            case .course(let user, let course):
                return .course(try Self.course(user: user, course: course, in: db))
            case .session(let user, let course, let id):
                return .session(try Self.session(id, user: user, course: course, in: db))
            }
        }
    }

    private static func record(_ session: StatsSession, user: StatsID, course: StatsID, in db: Database) throws
        -> StatsReply
    {
        let existing = try Self.session(session.sessionID, user: user, course: course, in: db)
        let stats = existing == nil ? try Self.course(user: user, course: course, in: db) : nil
        switch StatsState.record(session, existing: existing, course: stats) {
        case .retry:
            return .recorded(session)
        case .conflict:
            return .conflict
        case .stored(let next):
            let (u, c) = (Data(user.bytes), Data(course.bytes))
            try db.cachedStatement(
                sql: """
                    INSERT INTO stats_sessions(user_id, course_id, session_id, total_modules, average_score,
                        time_studied) VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                u, c, Data(session.sessionID.bytes), session.totalModulesStudied, session.averageScore,
                session.timeStudied,
            ])
            try db.cachedStatement(
                sql: """
                    INSERT INTO stats_courses(user_id, course_id, sessions, total_modules, weighted_score_sum,
                        score_sum, time_studied) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(user_id, course_id) DO UPDATE SET sessions = excluded.sessions,
                        total_modules = excluded.total_modules, weighted_score_sum = excluded.weighted_score_sum,
                        score_sum = excluded.score_sum, time_studied = excluded.time_studied
                    """
            ).execute(arguments: [
                u, c, next.sessions, next.totalModulesStudied, next.weightedScoreSum, next.scoreSum, next.timeStudied,
            ])
            return .recorded(session)
        }
    }

    /// One user's statistics in one course, or nil if the user has no session there.
    package static func course(user: StatsID, course: StatsID, in db: Database) throws -> CourseStats? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT sessions, total_modules, weighted_score_sum, score_sum, time_studied
                        FROM stats_courses WHERE user_id = ? AND course_id = ?
                        """),
                arguments: [Data(user.bytes), Data(course.bytes)])
        else { return nil }
        return CourseStats(
            sessions: row[0], totalModulesStudied: row[1], weightedScoreSum: row[2], scoreSum: row[3],
            timeStudied: row[4])
    }

    /// One session, or nil.
    package static func session(_ id: StatsID, user: StatsID, course: StatsID, in db: Database) throws
        -> StatsSession?
    {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT total_modules, average_score, time_studied FROM stats_sessions
                        WHERE user_id = ? AND course_id = ? AND session_id = ?
                        """),
                arguments: [Data(user.bytes), Data(course.bytes), Data(id.bytes)])
        else { return nil }
        return StatsSession(sessionID: id, totalModulesStudied: row[0], averageScore: row[1], timeStudied: row[2])
    }
}
