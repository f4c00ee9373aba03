import GatewayCore
import Logging
import Presence
import ServiceLifecycle
import Synchronization
import Wire

/// The gateway's copy of every partition's presence entries, kept current from the events the workers publish,
/// and the broadcasts of the list and counts to the gateway's Socket.IO clients.
///
/// The copy is a `PresenceMirror`: events applied in sequence, a snapshot of a partition whenever its sequence
/// jumps. So no request and no broadcast has to ask every partition: lists and counts are read from this copy.
final class PresenceHub: Service, Sendable {
    /// Called with the encoded `online-users-list` and `online-users-count` payloads.
    typealias Listener = @Sendable (_ list: String, _ count: String) -> Void

    private struct State {
        var mirror: PresenceMirror
        var lastBroadcast: ContinuousClock.Instant?
        var listeners: [UInt64: Listener] = [:]
        var nextListener: UInt64 = 0
    }

    private let fleet: FleetClient
    private let settings: PresenceSettings
    private let logger: Logger
    private let state: Mutex<State>
    private let clock = ContinuousClock()
    /// How long changes are gathered into one broadcast.
    private let coalescing: Duration

    /// The gateway's edge: while it sheds load, broadcasts wait (the next one carries the whole state anyway).
    private let policy: EdgePolicy?

    init(
        fleet: FleetClient, settings: PresenceSettings, logger: Logger, coalescing: Duration = .milliseconds(50),
        snapshotRetry: Duration = .seconds(5), policy: EdgePolicy? = nil
    ) {
        self.policy = policy
        self.fleet = fleet
        self.settings = settings
        self.logger = logger
        self.coalescing = coalescing
        self.state = Mutex(State(mirror: PresenceMirror(retry: snapshotRetry)))
        fleet.subscribe(events: .presence) { [weak self] events in self?.received(events) }
    }

    /// Whether every partition is synced, so lists and counts are complete.
    var isSynced: Bool { state.withLock { $0.mirror.isSynced } }

    /// The listed users with `status` (nil: all), in the contract's order.
    func list(_ status: PresenceStatus?) -> [PresenceEntry] { state.withLock { $0.mirror.view.list(status) } }

    /// The counts.
    var counts: PresenceCounts { state.withLock { $0.mirror.view.counts } }

    /// Adds a broadcast listener and calls it at once with the current state; returns its id.
    func addListener(_ listener: @escaping Listener) -> UInt64 {
        let (id, list, count) = state.withLock { state in
            state.nextListener += 1
            state.listeners[state.nextListener] = listener
            let view = state.mirror.view
            return (state.nextListener, PresenceJSON.list(view.list()), PresenceJSON.counts(view.counts))
        }
        listener(list, count)
        return id
    }

    /// Removes a broadcast listener.
    func removeListener(_ id: UInt64) { _ = state.withLock { $0.listeners.removeValue(forKey: id) } }

    /// Keeps every partition synced and broadcasts: on change (after `coalescing`) and every update interval.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.coalescing)
                self.requestSnapshots()
                self.broadcastIfDue()
            }
        }
    }

    private func received(_ messages: [WireMessage]) {
        let events = messages.map { message in
            PresenceMirror.Event(
                partition: message.envelope.partition, sequence: message.envelope.sequence,
                changes: try? PresenceEvent.decode(message.body))
        }
        let now = clock.now
        let resync = state.withLock { $0.mirror.received(events, at: now) }
        for p in resync { requestSnapshot(p) }
    }

    private func requestSnapshots() {
        guard let count = fleet.partitionCount else { return }
        let now = clock.now
        for p in state.withLock({ $0.mirror.due(partitionCount: count, at: now) }) { requestSnapshot(p) }
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
            state.withLock { $0.mirror.snapshotFailed(p) }
            logger.warning("presence snapshot failed", metadata: ["partition": "\(p)"])
            return
        }
        state.withLock { $0.mirror.snapshotArrived(p, sequence: sequence, entries: entries) }
    }

    private func broadcastIfDue() {
        guard policy?.isOverloaded != true else { return }
        let now = clock.now
        let due: (String, String, [Listener])? = state.withLock { state in
            let periodic = state.lastBroadcast.map { now - $0 >= settings.updateInterval } ?? true
            guard state.mirror.changed || periodic else { return nil }
            state.mirror.changed = false
            state.lastBroadcast = now
            guard !state.listeners.isEmpty else { return nil }
            let view = state.mirror.view
            return (PresenceJSON.list(view.list()), PresenceJSON.counts(view.counts), Array(state.listeners.values))
        }
        guard let (list, count, listeners) = due else { return }
        for listener in listeners { listener(list, count) }
    }
}
