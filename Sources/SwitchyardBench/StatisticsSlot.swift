import Synchronization

/// Where a connection leaves its counts when it finishes or its channel closes (a closed channel's handlers
/// are gone from the pipeline, so the runner could not ask them any more).
final class StatisticsSlot: Sendable {
    private let value = Mutex<ConnectionStatistics?>(nil)

    /// Creates an empty slot.
    init() {}

    /// Stores `statistics`, replacing what was there.
    func publish(_ statistics: ConnectionStatistics) {
        value.withLock { $0 = statistics }
    }

    /// The last published counts, if any.
    var statistics: ConnectionStatistics? {
        value.withLock { $0 }
    }
}
