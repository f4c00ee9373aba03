/// The step tracker's transition function for one user: pure, so storage and tests share it.
public enum StepsState {
    /// What applying one update does.
    public enum Transition: Sendable, Hashable {
        /// The update was applied: store `user`, remember the id with sequence `user.appliedCount`, and forget
        /// remembered ids with a sequence at or below `forgetThrough` (outside the dedupe window).
        case applied(user: UserSteps, forgetThrough: Int64)
        /// The id was already applied for this user: nothing changes.
        case duplicate
    }

    /// Applies `update` to `current` (nil for an unknown user). `alreadyApplied` says whether the update's id is
    /// among the user's remembered ids.
    public static func apply(
        _ update: StepsUpdate, to current: UserSteps?, alreadyApplied: Bool, limits: StepsLimits = .default
    ) -> Transition {
        if alreadyApplied { return .duplicate }
        var user = current ?? UserSteps(cumulativeSteps: 0, ts: update.ts, appliedCount: 0)
        user.cumulativeSteps += update.newSteps
        user.ts = update.ts
        user.appliedCount += 1
        return .applied(user: user, forgetThrough: user.appliedCount - Int64(max(limits.dedupeWindow, 1)))
    }
}
