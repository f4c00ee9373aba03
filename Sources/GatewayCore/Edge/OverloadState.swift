/// Whether a gateway is overloaded, as a pure state machine fed with what the `OverloadMonitor` measures
/// (docs/operations.md, "Shedding"). It enters when either measure is at its threshold for `hotProbes` probes in a
/// row (one stall, a page fault or a descheduled thread, is not an overload) and leaves only when both are under
/// half their threshold for `calmProbes` probes in a row, so that it does not flap at the edge.
struct OverloadState: Sendable, Hashable {
    /// Event-loop or task lag that means overloaded (nil: not watched).
    let maxLag: Duration?
    /// Bytes queued for clients, gateway-wide, that mean overloaded (nil: not watched).
    let maxQueuedBytes: Int?
    /// Probes in a row over a threshold needed to enter.
    let hotProbes: Int
    /// Calm probes in a row needed to leave.
    let calmProbes: Int
    /// Whether the gateway sheds now.
    private(set) var overloaded = false
    private var calm = 0
    private var hot = 0

    init(maxLag: Duration?, maxQueuedBytes: Int?, hotProbes: Int = 3, calmProbes: Int = 3) {
        self.maxLag = maxLag
        self.maxQueuedBytes = maxQueuedBytes
        self.hotProbes = max(1, hotProbes)
        self.calmProbes = max(1, calmProbes)
    }

    /// What changed with one probe.
    enum Transition: Sendable, Hashable {
        /// Shedding starts.
        case entered
        /// Shedding stops.
        case left
    }

    /// Takes one probe's measures; returns the transition it causes, if any.
    mutating func observe(lag: Duration, queuedBytes: Int) -> Transition? {
        let over = (maxLag.map { lag >= $0 } ?? false) || (maxQueuedBytes.map { queuedBytes >= $0 } ?? false)
        let quiet =
            (maxLag.map { lag < $0 / 2 } ?? true) && (maxQueuedBytes.map { queuedBytes < $0 / 2 } ?? true)
        if over {
            calm = 0
            hot += 1
            guard !overloaded, hot >= hotProbes else { return nil }
            overloaded = true
            return .entered
        }
        hot = 0
        guard overloaded else { return nil }
        calm = quiet ? calm + 1 : 0
        guard calm >= calmProbes else { return nil }
        overloaded = false
        calm = 0
        return .left
    }
}
