import Synchronization

/// Where a stream connection leaves its counts as it goes (its channel may close, taking its handler with it,
/// before the runner asks).
final class StreamStatisticsSlot: Sendable {
    private let value = Mutex(StreamConnectionStatistics())

    /// Creates an empty slot.
    init() {}

    /// Changes the counts under the lock.
    func update(_ body: (inout StreamConnectionStatistics) -> Void) {
        value.withLock { body(&$0) }
    }

    /// The counts so far.
    var statistics: StreamConnectionStatistics {
        value.withLock { $0 }
    }
}
