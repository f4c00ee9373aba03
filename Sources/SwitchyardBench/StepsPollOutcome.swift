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
    /// The users still to read when the server closed the connection: the runner reconnects and polls them again.
    var interrupted: [Int] = []
    /// Times a REST connection was opened again after the server closed it.
    var reconnects = 0

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
        interrupted += other.interrupted
        reconnects += other.reconnects
    }

    /// This interrupted outcome followed by `continuation`, the poll of its ``interrupted`` users on a new
    /// connection: the continuation's view of those users replaces this one's.
    func continued(with continuation: StepsPollOutcome) -> StepsPollOutcome {
        let resumed = Set(interrupted)
        var combined = self
        combined.behind = behind.filter { !resumed.contains($0.key) }
        combined.interrupted = []
        combined.finishedNanos = continuation.finishedNanos
        combined.requests += continuation.requests
        combined.rounds += continuation.rounds
        combined.totals.merge(continuation.totals) { _, new in new }
        combined.behind.merge(continuation.behind) { _, new in new }
        combined.overcounted.merge(continuation.overcounted) { _, new in new }
        combined.unexpectedReplies += continuation.unexpectedReplies
        combined.firstUnexpectedReply = firstUnexpectedReply ?? continuation.firstUnexpectedReply
        combined.interrupted = continuation.interrupted
        combined.reconnects += 1 + continuation.reconnects
        return combined
    }
}
