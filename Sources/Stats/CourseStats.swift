/// One user's lifetime statistics in one course: running sums, so a read costs the same however many sessions the
/// course holds.
package struct CourseStats: Sendable, Hashable {
    /// Sessions recorded.
    package var sessions: Int64
    /// Sum of the sessions' modules.
    package var totalModulesStudied: Int64
    /// Sum of averageScore × modules, the numerator of the weighted mean.
    package var weightedScoreSum: Double
    /// Sum of the sessions' averageScore, for the plain mean when no session has a module.
    package var scoreSum: Double
    /// Sum of the sessions' time, in milliseconds.
    package var timeStudied: Double

    /// Creates statistics from their sums.
    package init(
        sessions: Int64 = 0, totalModulesStudied: Int64 = 0, weightedScoreSum: Double = 0, scoreSum: Double = 0,
        timeStudied: Double = 0
    ) {
        self.sessions = sessions
        self.totalModulesStudied = totalModulesStudied
        self.weightedScoreSum = weightedScoreSum
        self.scoreSum = scoreSum
        self.timeStudied = timeStudied
    }

    /// The statistics with `session` counted too.
    package func adding(_ session: StatsSession) -> CourseStats {
        CourseStats(
            sessions: sessions + 1,
            totalModulesStudied: totalModulesStudied + session.totalModulesStudied,
            weightedScoreSum: weightedScoreSum + session.averageScore * Double(session.totalModulesStudied),
            scoreSum: scoreSum + session.averageScore,
            timeStudied: timeStudied + session.timeStudied)
    }

    /// The sessions' averageScore weighted by their modules; the plain mean when every session has 0 modules
    /// (contracts §2); 0 for no session.
    package var averageScore: Double {
        if totalModulesStudied > 0 { return weightedScoreSum / Double(totalModulesStudied) }
        return sessions > 0 ? scoreSum / Double(sessions) : 0
    }
}
