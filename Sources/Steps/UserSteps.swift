/// One user's persisted step state.
package struct UserSteps: Sendable, Hashable {
    /// Sum of every applied update's `newSteps`.
    package var cumulativeSteps: Double
    /// `ts` of the most recently applied update (arrival order).
    package var ts: Double
    /// How many updates were applied; numbers the remembered update ids for the dedupe window.
    package var appliedCount: Int64

    /// Creates a state.
    package init(cumulativeSteps: Double, ts: Double, appliedCount: Int64) {
        self.cumulativeSteps = cumulativeSteps
        self.ts = ts
        self.appliedCount = appliedCount
    }
}
