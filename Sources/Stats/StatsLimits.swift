/// Limits of the learning-stats API (docs/operations.md lists each as a setting or constant).
package struct StatsLimits: Sendable, Hashable {
    /// Largest request body in bytes; a larger one gets 413.
    package var maxBodyBytes: Int
    /// Largest `averageScore` and `timeStudied`: keeps every sum finite and far from the precision limit.
    package var maxNumber: Double
    /// Largest `totalModulesStudied` of one session: keeps a course's 64-bit module count from overflowing however
    /// many sessions it gets (9.2e18 / 1e9 ≈ 9.2e9 sessions).
    package var maxModules: Int64

    /// Creates limits.
    package init(maxBodyBytes: Int = 64 * 1024, maxNumber: Double = 1e15, maxModules: Int64 = 1_000_000_000) {
        self.maxBodyBytes = maxBodyBytes
        self.maxNumber = maxNumber
        self.maxModules = maxModules
    }

    /// The defaults.
    package static let `default` = StatsLimits()
}
