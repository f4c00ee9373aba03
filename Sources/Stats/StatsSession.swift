/// One study session as stored and answered (contracts §2).
package struct StatsSession: Sendable, Hashable {
    /// The session's id.
    package var sessionID: StatsID
    /// Modules studied in the session (a whole number, ≥ 0).
    package var totalModulesStudied: Int64
    /// The session's average score (≥ 0).
    package var averageScore: Double
    /// Time studied in milliseconds (≥ 0, may be fractional).
    package var timeStudied: Double

    /// Creates a session.
    package init(sessionID: StatsID, totalModulesStudied: Int64, averageScore: Double, timeStudied: Double) {
        self.sessionID = sessionID
        self.totalModulesStudied = totalModulesStudied
        self.averageScore = averageScore
        self.timeStudied = timeStudied
    }
}
