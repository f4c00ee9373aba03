import Logging
import Presence
public import ServiceLifecycle
import Synchronization
import Wire

/// The gateway's copy of every partition's presence entries, kept current from the events the workers publish,
/// and the broadcasts of the list and counts to the gateway's Socket.IO clients.
///
/// Each partition's events carry a sequence number. An event that does not follow the last one applied (a PUB
/// dropped messages, the gateway joined late, a worker restarted or the partition moved) makes the hub ask that
/// partition for a snapshot; the partition's events are held meanwhile and those newer than the snapshot are
/// applied after it (the ZeroMQ guide's Clustered Hashmap pattern). So no request and no broadcast has to ask every
/// partition: lists and counts are read from this copy.
final class PresenceHub: Service, Sendable {
    /// Called with the encoded `online-users-list` and `online-users-count` payloads.
    typealias Listener = @Sendable (_ list: String, _ count: String) -> Void

    private enum Sync {
        /// Never synced, or a snapshot request failed: ask again.
        case unknown
        /// A snapshot was asked for; events that arrive meanwhile wait in `held`.
        case resyncing(since: ContinuousClock.Instant, held: [WireMessage])
        /// Applied up to `sequence`.
        case synced(sequence: UInt64)
    }

    private struct State {
        var view = PresenceView()
        var sync: [UInt16: Sync] = [:]
        var partitionCount = 0
        var changed = false
        var lastBroadcast: ContinuousClock.Instant?
        var listeners: [UInt64: Listener] = [:]
        var nextListener: UInt64 = 0
    }

    private let fleet: FleetClient
    private let settings: PresenceSettings
    private let logger: Logger
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// How long changes are gathered into one broadcast.
    private let coalescing: Duration
    /// A snapshot not answered within this is asked for again.
    private let snapshotRetry: Duration

    init(
        fleet: FleetClient, settings: PresenceSettings, logger: Logger, coalescing: Duration = .milliseconds(50),
        snapshotRetry: Duration = .seconds(5)
    ) {
        self.fleet = fleet
        self.settings = settings
        self.logger = logger
        self.coalescing = coalescing
        self.snapshotRetry = snapshotRetry
        fleet.subscribe(events: .presence) { [weak self] events in self?.received(events) }
    }

    /// Whether every partition is synced, so lists and counts are complete.
    var isSynced: Bool {
        state.withLock { state in
            state.partitionCount > 0 && state.sync.count == state.partitionCount
                && state.sync.values.allSatisfy { if case .synced = $0 { true } else { false } }
        }
    }

    /// The listed users with `status` (nil: all), in the contract's order.
    func list(_ status: PresenceStatus?) -> [PresenceEntry] { state.withLock { $0.view.list(status) } }

    /// The counts.
    var counts: PresenceCounts { state.withLock { $0.view.counts } }

    /// Adds a broadcast listener and calls it at once with the current state; returns its id.
    func addListener(_ listener: @escaping Listener) -> UInt64 {
        let (id, list, count) = state.withLock { state in
            state.nextListener += 1
            state.listeners[state.nextListener] = listener
            return (state.nextListener, PresenceJSON.list(state.view.list()), PresenceJSON.counts(state.view.counts))
        }
        listener(list, count)
        return id
    }

    /// Removes a broadcast listener.
    func removeListener(_ id: UInt64) { _ = state.withLock { $0.listeners.removeValue(forKey: id) } }

    /// Keeps every partition synced and broadcasts: on change (after `coalescing`) and every update interval.
    func run() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: coalescing)
            requestSnapshots()
            broadcastIfDue()
        }
    }

    private func received(_ events: [WireMessage]) {
        var resync: [UInt16] = []
        let now = clock.now
        state.withLock { state in
            for event in events {
                let p = event.envelope.partition
                switch state.sync[p] ?? .unknown {
                case .resyncing(let since, var held):
                    held.append(event)
                    state.sync[p] = .resyncing(since: since, held: held)
                case .synced(let sequence) where event.envelope.sequence == sequence &+ 1:
                    if apply(event, to: &state) {
                        state.sync[p] = .synced(sequence: event.envelope.sequence)
                    } else {
                        state.sync[p] = .resyncing(since: now, held: []); resync.append(p)
                    }
                case .synced(let sequence)
                where event.envelope.sequence <= sequence
                    && sequence - event.envelope.sequence < 1 << 20:
                    // Already covered by the snapshot (published before it); nothing to do.
                    break
                case .synced, .unknown:
                    state.sync[p] = .resyncing(since: now, held: [event])
                    resync.append(p)
                }
            }
        }
        for p in resync { requestSnapshot(p) }
    }

    /// Applies one event's changes; false if its body is malformed (the partition must then be resynced).
    private func apply(_ event: WireMessage, to state: inout State) -> Bool {
        guard let changes = try? PresenceEvent.decode(event.body) else { return false }
        state.view.apply(changes, partition: event.envelope.partition)
        if !changes.isEmpty { state.changed = true }
        return true
    }

    private func requestSnapshots() {
        guard let count = fleet.partitionCount else { return }
        let now = clock.now
        let due: [UInt16] = state.withLock { state in
            state.partitionCount = count
            var due: [UInt16] = []
            for p in 0..<UInt16(count) {
                switch state.sync[p] ?? .unknown {
                case .unknown:
                    state.sync[p] = .resyncing(since: now, held: [])
                    due.append(p)
                case .resyncing(let since, let held) where now - since >= snapshotRetry:
                    state.sync[p] = .resyncing(since: now, held: held)
                    due.append(p)
                default:
                    break
                }
            }
            return due
        }
        for p in due { requestSnapshot(p) }
    }

    private func requestSnapshot(_ p: UInt16) {
        fleet.request(
            product: .presence, key: "", partition: p, body: PresenceCommand.snapshot.encoded(), idempotent: true
        ) { [weak self] result in
            self?.snapshotArrived(p, result)
        }
    }

    private func snapshotArrived(_ p: UInt16, _ result: Result<[UInt8], FleetRequestError>) {
        guard case .success(let body) = result,
            case .snapshot(let sequence, let entries)? = try? PresenceReply(decoding: body)
        else {
            // Asked again by the next round.
            state.withLock { $0.sync[p] = .unknown }
            logger.warning("presence snapshot failed", metadata: ["partition": "\(p)"])
            return
        }
        state.withLock { state in
            guard case .resyncing(_, let held) = state.sync[p] ?? .unknown else { return }
            state.view.replace(partition: p, with: entries)
            state.changed = true
            var current = sequence
            for event in held where event.envelope.sequence > current {
                guard event.envelope.sequence == current &+ 1, apply(event, to: &state) else {
                    // Still a gap: try again.
                    state.sync[p] = .unknown
                    return
                }
                current = event.envelope.sequence
            }
            state.sync[p] = .synced(sequence: current)
        }
    }

    private func broadcastIfDue() {
        let now = clock.now
        let due: (String, String, [Listener])? = state.withLock { state in
            let periodic = state.lastBroadcast.map { now - $0 >= settings.updateInterval } ?? true
            guard state.changed || periodic else { return nil }
            state.changed = false
            state.lastBroadcast = now
            guard !state.listeners.isEmpty else { return nil }
            return (
                PresenceJSON.list(state.view.list()), PresenceJSON.counts(state.view.counts),
                Array(state.listeners.values)
            )
        }
        guard let (list, count, listeners) = due else { return }
        for listener in listeners { listener(list, count) }
    }
}
