/// A gateway's copy of the lobby's table list, kept from the owner's numbered events: a pure state machine (time is
/// an input) that says which events to forward to subscribers, when a snapshot (`LobbyCommand.list`) is needed, and
/// when subscribers must be sent a whole `table_list` again.
///
/// Events are applied only in sequence. Any other number (a PUB dropped messages, the gateway joined late, the owner
/// restarted or moved) starts a resync: the caller asks for a snapshot, events arriving meanwhile are held and not
/// forwarded, and once the snapshot arrives the held ones newer than it are applied (the ZeroMQ guide's Clustered
/// Hashmap pattern, as `PresenceMirror`). Subscribers only ever see what the mirror applied, so after a resync
/// they are still right when the snapshot equals the list they were last sent; otherwise they get a fresh
/// `table_list`, the only message of the protocol that replaces a client's list.
///
/// A gateway answers `subscribe_tables` with `tables` as soon as `hasList`, even during a resync: every subscriber
/// then holds the same list, so what the resync answers applies to the new one too. Before the first snapshot it
/// keeps subscribers waiting; that snapshot answers `.sendTableList`, which sends them their first list.
package struct LobbyMirror: Sendable {
    /// One numbered event of the lobby's stream, decoded.
    package struct Event: Sendable, Hashable {
        /// Its sequence number.
        package var sequence: UInt64
        /// The change, or nil if the body could not be decoded (the mirror then resyncs).
        package var change: LobbyEvent?

        /// Creates an event.
        package init(sequence: UInt64, change: LobbyEvent?) {
            self.sequence = sequence
            self.change = change
        }
    }

    /// What the caller must do after `received(_:at:)`.
    package struct Delivery: Sendable, Hashable {
        /// Events to send to every subscriber, in this order (as `LobbyServerMessage(event)`).
        package var forward: [LobbyEvent]
        /// Whether a snapshot must be requested now.
        package var needsSnapshot: Bool

        /// Creates a delivery.
        package init(forward: [LobbyEvent] = [], needsSnapshot: Bool = false) {
            self.forward = forward
            self.needsSnapshot = needsSnapshot
        }
    }

    /// What the caller must do after `snapshotArrived(sequence:tables:at:)`.
    package enum Resync: Sendable, Hashable {
        /// Send every subscriber (and every one waiting for its first list) `table_list` with `tables`.
        case sendTableList
        /// Subscribers' lists were right: send them these events, in order (none when the snapshot was not wanted).
        case forward([LobbyEvent])
        /// Events are still missing after the snapshot: request another one now.
        case needsSnapshot
    }

    private enum Sync: Sendable, Hashable {
        /// No snapshot requested yet.
        case unknown
        /// A snapshot was requested at `since`; `held` arrived meanwhile.
        case resyncing(since: ContinuousClock.Instant, held: [Event])
        /// Every event up to `sequence` is applied.
        case synced(sequence: UInt64)
    }

    /// The tables as applied so far (what subscribers were sent). Empty until the first snapshot.
    package private(set) var tables: [LobbyTable] = []
    private var sync = Sync.unknown
    /// Whether `tables` was filled from a snapshot (and so what subscribers were sent); false only before the first.
    package private(set) var hasList = false
    /// A snapshot not answered within this is asked for again.
    private let retry: Duration

    /// Sequence numbers this far below the applied one are old events already covered by a snapshot; further below,
    /// a new owner's (whose numbers start from its open time, far above) — as `PresenceMirror`.
    private static let staleWindow: UInt64 = 1 << 20

    /// An empty mirror that asks again for a snapshot unanswered after `retry`.
    package init(retry: Duration = .seconds(5)) { self.retry = retry }

    /// Whether every event up to `sequence` is applied with none missing (false before the first snapshot and
    /// during a resync).
    package var isSynced: Bool {
        if case .synced = sync { true } else { false }
    }

    /// The sequence of the last event applied, while synced.
    package var sequence: UInt64? {
        if case .synced(let sequence) = sync { sequence } else { nil }
    }

    /// Applies events in arrival order: returns those to forward to subscribers, and whether a snapshot must be
    /// requested now (after which the rest of the batch is held).
    package mutating func received(_ events: [Event], at now: ContinuousClock.Instant) -> Delivery {
        var delivery = Delivery()
        for event in events {
            switch sync {
            case .resyncing(let since, var held):
                held.append(event)
                sync = .resyncing(since: since, held: held)
            case .synced(let sequence) where event.sequence == sequence &+ 1:
                if let change = event.change, change.apply(to: &tables) {
                    delivery.forward.append(change)
                    sync = .synced(sequence: event.sequence)
                } else {
                    // Undecodable, or it does not fit: the copy is out of step with the owner.
                    sync = .resyncing(since: now, held: [])
                    delivery.needsSnapshot = true
                }
            case .synced(let sequence) where event.sequence <= sequence && sequence - event.sequence < Self.staleWindow:
                break
            case .synced, .unknown:
                sync = .resyncing(since: now, held: [event])
                delivery.needsSnapshot = true
            }
        }
        return delivery
    }

    /// Whether a snapshot must be requested now: never asked for, or asked for more than `retry` ago. Call it
    /// periodically (and once at start).
    package mutating func due(at now: ContinuousClock.Instant) -> Bool {
        switch sync {
        case .unknown:
            sync = .resyncing(since: now, held: [])
            return true
        case .resyncing(let since, let held) where now - since >= retry:
            sync = .resyncing(since: now, held: held)
            return true
        default:
            return false
        }
    }

    /// Replaces the tables with a snapshot taken at `sequence` (`LobbyReply.tables`), then applies the held events
    /// newer than it; says what subscribers must be sent.
    package mutating func snapshotArrived(
        sequence: UInt64, tables snapshot: [LobbyTable], at now: ContinuousClock.Instant
    )
        -> Resync
    {
        guard case .resyncing(_, let held) = sync else { return .forward([]) }
        var replayed = snapshot
        var forward: [LobbyEvent] = []
        var current = sequence
        for event in held where event.sequence > current {
            guard event.sequence == current &+ 1, let change = event.change, change.apply(to: &replayed) else {
                // Still a gap (or a change that does not fit): keep the old list and ask again.
                sync = .resyncing(since: now, held: [])
                return .needsSnapshot
            }
            forward.append(change)
            current = event.sequence
        }
        let subscribersAreRight = hasList && snapshot == tables
        tables = replayed
        hasList = true
        sync = .synced(sequence: current)
        return subscribersAreRight ? .forward(forward) : .sendTableList
    }

    /// A snapshot request failed: `due(at:)` answers true again at once.
    package mutating func snapshotFailed() {
        if case .resyncing = sync { sync = .unknown }
    }
}
