/// One user's persisted step state.
public struct UserSteps: Sendable, Hashable {
    /// Sum of every applied update's `newSteps`.
    public var cumulativeSteps: Double
    /// `ts` of the most recently applied update (arrival order).
    public var ts: Double
    /// How many updates were applied; numbers the remembered update ids for the dedupe window.
    public var appliedCount: Int64

    /// Creates a state.
    public init(cumulativeSteps: Double, ts: Double, appliedCount: Int64) {
        self.cumulativeSteps = cumulativeSteps
        self.ts = ts
        self.appliedCount = appliedCount
    }
}
