/// What the REST poller found, for one connection's users or (merged) for all of them.
struct StepsPollOutcome: Sendable {
    /// Monotonic time at which every user read back as asked (all read, or all at their expected total); nil when
    /// the poll was stopped before.
    var finishedNanos: UInt64?
    /// GET requests answered.
    var requests = 0
    /// Passes over the users still to read (the first pass counts).
    var rounds = 0
    /// A plain read: every user's total (0 for a 404).
    var totals: [Int: Double] = [:]
    /// Polling for expected totals: the users not there yet when the poll stopped, with their last total (nil: 404
    /// or not read yet).
    var behind: [Int: Double?] = [:]
    /// Users whose total went past the expected one (updates counted twice, or sent by someone else).
    var overcounted: [Int: Double] = [:]
    /// Answers other than 200 with a numeric `cumulativeSteps` or 404 (such a user is asked again).
    var unexpectedReplies = 0
    /// The first of those, for the report.
    var firstUnexpectedReply: String?

    /// Adds `other`'s findings to these; the merged outcome is finished when both are, at the later time.
    mutating func merge(_ other: StepsPollOutcome) {
        if let mine = finishedNanos, let theirs = other.finishedNanos {
            finishedNanos = max(mine, theirs)
        } else {
            finishedNanos = nil
        }
        requests += other.requests
        rounds = max(rounds, other.rounds)
        totals.merge(other.totals) { _, new in new }
        behind.merge(other.behind) { _, new in new }
        overcounted.merge(other.overcounted) { _, new in new }
        unexpectedReplies += other.unexpectedReplies
        firstUnexpectedReply = firstUnexpectedReply ?? other.firstUnexpectedReply
    }
}
