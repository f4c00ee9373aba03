/// The step tracker's transition function for one user: pure, so storage and tests share it.
package enum StepsState {
    /// What applying one update does.
    package enum Transition: Sendable, Hashable {
        /// The update was applied: store `user`, remember the id with sequence `user.appliedCount`, and forget
        /// remembered ids with a sequence at or below `forgetThrough` (outside the dedupe window); 0 or less means
        /// nothing to forget this time.
        case applied(user: UserSteps, forgetThrough: Int64)
        /// The id was already applied for this user: nothing changes.
        case duplicate
    }

    /// Applies `update` to `current` (nil for an unknown user). `alreadyApplied` says whether the update's id is
    /// among the user's remembered ids.
    package static func apply(
        _ update: StepsUpdate, to current: UserSteps?, alreadyApplied: Bool, limits: StepsLimits = .default
    ) -> Transition {
        if alreadyApplied { return .duplicate }
        var user = current ?? UserSteps(cumulativeSteps: 0, ts: update.ts, appliedCount: 0)
        user.cumulativeSteps += update.newSteps
        user.ts = update.ts
        user.appliedCount += 1
        let window = Int64(max(limits.dedupeWindow, 1))
        // Forgetting in bulk, every window/8 updates, lets storage delete by scanning the user's ids instead of
        // keeping an index by sequence: an update then dirties one page of remembered ids, not two. So between
        // `window` and `window + window/8 - 1` ids are remembered.
        let every = max(1, window / 8)
        return .applied(user: user, forgetThrough: user.appliedCount % every == 0 ? user.appliedCount - window : 0)
    }
}
