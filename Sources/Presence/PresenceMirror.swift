/// A gateway's copy of every partition's presence entries, kept from the partitions' numbered events: a pure state
/// machine (time is an input) that says when a partition must be re-read from a snapshot.
///
/// Events of a partition are applied only in sequence. Any other number (a PUB dropped messages, the gateway joined
/// late, a worker restarted, the partition moved) puts the partition in resync: the caller asks for a snapshot,
/// events that arrive meanwhile are held, and once the snapshot arrives the held ones newer than it are applied
/// (the ZeroMQ guide's Clustered Hashmap pattern).
package struct PresenceMirror: Sendable {
    /// One partition's event, decoded.
    package struct Event: Sendable, Hashable {
        /// The partition.
        package var partition: UInt16
        /// Its sequence number.
        package var sequence: UInt64
        /// Its changes, or nil if the body could not be decoded (the partition is then resynced).
        package var changes: [PresenceChange]?

        /// Creates an event.
        package init(partition: UInt16, sequence: UInt64, changes: [PresenceChange]?) {
            self.partition = partition
            self.sequence = sequence
            self.changes = changes
        }
    }

    private enum Sync: Sendable {
        case unknown
        case resyncing(since: ContinuousClock.Instant, held: [Event])
        case synced(sequence: UInt64)
    }

    /// Every partition's entries as applied so far.
    package private(set) var view = PresenceView()
    /// Set when the view changed; the broadcaster clears it.
    package var changed = false
    private var sync: [UInt16: Sync] = [:]
    private var partitionCount = 0
    /// A snapshot not answered within this is asked for again.
    private let retry: Duration

    /// Sequence numbers this far below the applied one are old events already covered by a snapshot; further
    /// below, a new incarnation's (whose numbers start from its open time, far above).
    private static let staleWindow: UInt64 = 1 << 20

    /// An empty mirror that asks again for snapshots unanswered after `retry`.
    package init(retry: Duration = .seconds(5)) { self.retry = retry }

    /// Whether every partition is synced, so that lists and counts are complete.
    package var isSynced: Bool {
        partitionCount > 0
            && (0..<partitionCount).allSatisfy { p in
                if case .synced? = sync[UInt16(p)] { true } else { false }
            }
    }

    /// Applies events in arrival order; returns the partitions whose snapshot must be requested now.
    package mutating func received(_ events: [Event], at now: ContinuousClock.Instant) -> [UInt16] {
        var resync: [UInt16] = []
        for event in events {
            let p = event.partition
            switch sync[p] ?? .unknown {
            case .resyncing(let since, var held):
                held.append(event)
                sync[p] = .resyncing(since: since, held: held)
            case .synced(let sequence) where event.sequence == sequence &+ 1 && event.changes != nil:
                apply(event)
                sync[p] = .synced(sequence: event.sequence)
            case .synced(let sequence) where event.sequence <= sequence && sequence - event.sequence < Self.staleWindow:
                break
            case .synced, .unknown:
                sync[p] = .resyncing(since: now, held: [event])
                resync.append(p)
            }
        }
        return resync
    }

    /// Notes the fleet's partition count and returns the partitions whose snapshot must be requested now: never
    /// synced, or asked for more than `retry` ago.
    package mutating func due(partitionCount count: Int, at now: ContinuousClock.Instant) -> [UInt16] {
        partitionCount = count
        var due: [UInt16] = []
        for p in 0..<UInt16(clamping: count) {
            switch sync[p] ?? .unknown {
            case .unknown:
                sync[p] = .resyncing(since: now, held: [])
                due.append(p)
            case .resyncing(let since, let held) where now - since >= retry:
                sync[p] = .resyncing(since: now, held: held)
                due.append(p)
            default:
                break
            }
        }
        return due
    }

    /// Replaces partition `p` with a snapshot taken at `sequence`, then applies the held events newer than it.
    package mutating func snapshotArrived(_ p: UInt16, sequence: UInt64, entries: [PresenceEntry]) {
        guard case .resyncing(_, let held) = sync[p] ?? .unknown else { return }
        view.replace(partition: p, with: entries)
        changed = true
        var current = sequence
        for event in held where event.sequence > current {
            guard event.sequence == current &+ 1, event.changes != nil else {
                // Still a gap: ask again at the next round.
                sync[p] = .unknown
                return
            }
            apply(event)
            current = event.sequence
        }
        sync[p] = .synced(sequence: current)
    }

    /// A snapshot request failed: ask again at the next round.
    package mutating func snapshotFailed(_ p: UInt16) { sync[p] = .unknown }

    private mutating func apply(_ event: Event) {
        guard let changes = event.changes, !changes.isEmpty else { return }
        view.apply(changes, partition: event.partition)
        changed = true
    }
}
