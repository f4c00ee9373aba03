import GatewayCore
import Lobby
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Wire

/// The gateway's side of the lobby's event stream: a `LobbyMirror` of the table list kept from the lobby
/// partition's numbered events, and the WebSocket subscribers they are forwarded to, in order.
///
/// Every subscriber has a bounded queue of messages not yet written to its socket. A subscriber whose queue passes
/// `maxQueuedMessages` (it does not read) is disconnected with close code 1008; the others are unaffected. After a
/// gap in the sequence the partition is re-read, and subscribers get a fresh `table_list` when the list they were
/// following had diverged.
final class LobbyHub: Service, Sendable {
    /// The lobby's partition key: one partition owns the lobby, so one writer orders every change.
    static let key = LobbyCommand.partitionKey

    /// What a subscriber's writer receives.
    enum Outgoing: Sendable {
        /// A message to write, encoded once: every subscriber of a change is written the same buffer, which NIO
        /// sends from shared storage, not a copy per subscriber.
        case text(ByteBuffer)
        /// Close the connection with this code (the subscriber fell too far behind).
        case close(UInt16, reason: String)

        /// Payload bytes, for the subscriber queue's byte bound.
        var byteCount: Int {
            switch self {
            case .text(let text): text.readableBytes
            case .close: 0
            }
        }
    }

    /// A subscriber's bounded queue (the overflow item closes it with 1008).
    typealias Subscriber = BoundedOutbox<Outgoing>

    private struct State {
        var mirror = LobbyMirror()
        var subscribers: [UInt64: Subscriber] = [:]
        /// Subscribers that missed changes while the gateway shed load: each gets a fresh `table_list` first.
        var stale: Set<UInt64> = []
    }

    private let fleet: FleetClient
    private let logger: Logger
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// Messages a subscriber may have queued before it is disconnected.
    let maxQueuedMessages: Int
    /// Bytes of messages a subscriber may have queued before it is disconnected.
    let maxQueuedBytes: Int

    /// The gateway's edge: whether it sheds load now, and where queued bytes are added up.
    private let policy: EdgePolicy?

    init(
        fleet: FleetClient, maxQueuedMessages: Int, maxQueuedBytes: Int, policy: EdgePolicy? = nil, logger: Logger
    ) {
        self.policy = policy
        self.maxQueuedBytes = maxQueuedBytes
        self.fleet = fleet
        self.logger = logger
        self.maxQueuedMessages = maxQueuedMessages
        fleet.subscribe(events: .lobby) { [weak self] events in self?.received(events) }
    }

    /// Asks for the list until the mirror has one, and again after gaps.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(50))
                let now = self.clock.now
                if self.state.withLock({ $0.mirror.due(at: now) }) { self.requestSnapshot() }
                self.catchUpIfCalm()
            }
        }
    }

    /// A new subscriber's queue, bounded by `maxQueuedMessages` and `maxQueuedBytes`, whose writer `wake` tells
    /// there is something to take.
    func makeSubscriber(wake: @escaping @Sendable () -> Void) -> Subscriber {
        let counters = fleet.counters
        return Subscriber(
            maxMessages: maxQueuedMessages, maxBytes: maxQueuedBytes, size: \.byteCount,
            overflow: .close(1008, reason: "subscriber too slow: queue over its limit"), accounting: policy,
            onOverflow: { counters.addSlowClientClosed() }, wake: wake)
    }

    /// Whether the mirror holds a list, so a subscription can start.
    var hasList: Bool { state.withLock { $0.mirror.hasList } }

    /// Subscribes `id`: queues `table_list` and then every later change, atomically with respect to events.
    func subscribe(_ id: UInt64, _ subscriber: Subscriber) {
        state.withLock { state in
            state.subscribers[id] = subscriber
            if !subscriber.send(.text(ByteBuffer(string: LobbyServerMessage.tableList(state.mirror.tables).jsonText))) {
                state.subscribers[id] = nil
            }
        }
    }

    /// Stops sending to `id`.
    func unsubscribe(_ id: UInt64) {
        state.withLock { state in
            state.subscribers[id] = nil
            state.stale.remove(id)
        }
    }

    private func received(_ messages: [WireMessage]) {
        let events = messages.map {
            LobbyMirror.Event(sequence: $0.envelope.sequence, change: try? LobbyEventBody.decode($0.body))
        }
        let now = clock.now
        let resync = state.withLock { state in
            let delivery = state.mirror.received(events, at: now)
            for event in delivery.forward { broadcast(LobbyServerMessage(event).jsonText, in: &state) }
            return delivery.needsSnapshot
        }
        if resync { requestSnapshot() }
    }

    private func requestSnapshot() {
        fleet.request(product: .lobby, key: Self.key, body: LobbyCommand.list.encoded(), idempotent: true) {
            [weak self] result in
            self?.snapshotArrived(result)
        }
    }

    private func snapshotArrived(_ result: Result<[UInt8], FleetRequestError>) {
        guard case .success(let body) = result,
            case .tables(let sequence, let tables)? = try? LobbyReply(decoding: body)
        else {
            state.withLock { $0.mirror.snapshotFailed() }
            logger.warning("lobby snapshot failed")
            return
        }
        let now = clock.now
        let again = state.withLock { state -> Bool in
            switch state.mirror.snapshotArrived(sequence: sequence, tables: tables, at: now) {
            case .sendTableList:
                broadcast(LobbyServerMessage.tableList(state.mirror.tables).jsonText, in: &state)
                return false
            case .forward(let events):
                for event in events { broadcast(LobbyServerMessage(event).jsonText, in: &state) }
                return false
            case .needsSnapshot:
                return true
            }
        }
        if again { requestSnapshot() }
    }

    /// Sends `text` to every subscriber. While the gateway sheds load it sends nothing and marks every subscriber
    /// stale instead: a backlog of changes per subscriber is what would grow without bound, and a fresh
    /// `table_list` (which the protocol already sends after a resync) carries them all once the gateway has caught up.
    private func broadcast(_ text: String, in state: inout State) {
        if policy?.isOverloaded == true {
            state.stale.formUnion(state.subscribers.keys)
            return
        }
        sendStaleLists(in: &state)
        let encoded = ByteBuffer(string: text)
        for (id, subscriber) in state.subscribers where !subscriber.send(.text(encoded)) {
            state.subscribers[id] = nil
            logger.info("lobby subscriber disconnected: queue full", metadata: ["connection": "\(id)"])
        }
    }

    /// Once the gateway no longer sheds: the subscribers that missed changes get the current list.
    private func catchUpIfCalm() {
        guard policy?.isOverloaded != true else { return }
        state.withLock { state in
            guard !state.stale.isEmpty, state.mirror.hasList else { return }
            sendStaleLists(in: &state)
        }
    }

    private func sendStaleLists(in state: inout State) {
        guard !state.stale.isEmpty else { return }
        let list = ByteBuffer(string: LobbyServerMessage.tableList(state.mirror.tables).jsonText)
        for id in state.stale {
            guard let subscriber = state.subscribers[id] else { continue }
            if !subscriber.send(.text(list)) { state.subscribers[id] = nil }
        }
        state.stale.removeAll()
    }
}
