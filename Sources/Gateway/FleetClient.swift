public import Fleet
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import Wire
import ZeroMQ

/// The gateway's side of the fleet: routes each command to the worker owning its partition, correlates replies,
/// resends idempotent commands after a lost reply or a refusal, and fails requests at their deadline.
public final class FleetClient: Service, Sendable {
    /// Tunables (docs/operations.md).
    public struct Configuration: Sendable {
        /// This gateway's id; replies come on topic `R/<id>/`.
        public var id: String
        /// The supervisor's control ROUTER.
        public var supervisorEndpoint: String
        /// Heartbeat period towards the supervisor.
        public var heartbeatInterval: Duration
        /// Default deadline of a request.
        public var requestTimeout: Duration
        /// An idempotent command with no reply after this long is sent again.
        public var resendAfter: Duration
        /// Exit when the launching supervisor is gone.
        public var exitWhenOrphaned: Bool
        /// Listeners that must be bound before the gateway reports itself ready.
        public var listeners: Int

        /// Creates a configuration.
        public init(
            id: String, supervisorEndpoint: String, heartbeatInterval: Duration = .milliseconds(250),
            requestTimeout: Duration = .seconds(5), resendAfter: Duration = .milliseconds(1500),
            exitWhenOrphaned: Bool = false, listeners: Int = 2
        ) {
            self.listeners = listeners
            self.id = id
            self.supervisorEndpoint = supervisorEndpoint
            self.heartbeatInterval = heartbeatInterval
            self.requestTimeout = requestTimeout
            self.resendAfter = resendAfter
            self.exitWhenOrphaned = exitWhenOrphaned
        }
    }

    /// Called once per request with the reply body or the reason there is none.
    public typealias Completion = @Sendable (Result<[UInt8], FleetRequestError>) -> Void

    private struct Pending {
        var product: ProductCode
        var key: String
        var body: [UInt8]
        var idempotent: Bool
        var deadline: ContinuousClock.Instant
        /// When it was last handed to a socket; nil while parked.
        var sentAt: ContinuousClock.Instant?
        /// Not to be dispatched before this (back-off after a refusal).
        var notBefore: ContinuousClock.Instant?
        var sentTo: String?
        var completion: Completion
    }

    private struct Link {
        var entry: PartitionMap.WorkerEntry
        var socket: ZMQSocketID
        var ready = false
        var lastPing: ContinuousClock.Instant?
    }

    private struct State {
        var map: PartitionMap?
        var owners: [Int?] = []
        var links: [String: Link] = [:]
        var pending: [UInt64: Pending] = [:]
        /// Correlations waiting for a route, in submission order.
        var parked: [UInt64] = []
        var nextCorrelation: UInt64
        var ticks: UInt64 = 0
        var shuttingDown = false
    }

    /// Process-wide counters (also reported in heartbeats).
    public let counters = ProcessCounters()
    private let configuration: Configuration
    private let engine: ZMQEngine
    private let logger: Logger
    private let state: Mutex<State>
    private let subscriber = Mutex<ZMQSocketID?>(nil)
    private let boundListeners = Mutex(0)
    private let clock = ContinuousClock()

    /// Creates the client; sockets are made when `run` starts, and requests made before then wait for a route.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.engine = ZMQEngine(name: "gateway-\(configuration.id)", logger: logger)
        // A random start keeps a restarted gateway from matching replies meant for its previous incarnation.
        self.state = Mutex(State(nextCorrelation: UInt64.random(in: 1...(UInt64.max / 2))))
    }

    /// Sends a command for `key`'s partition and calls `completion` with the reply body. `idempotent` commands are
    /// resent when a reply is lost; others fail at the deadline.
    public func request(
        product: ProductCode, key: String, body: [UInt8], idempotent: Bool, timeout: Duration? = nil,
        completion: @escaping Completion
    ) {
        let deadline = clock.now.advanced(by: timeout ?? configuration.requestTimeout)
        let refused: Bool = state.withLock { state in
            if state.shuttingDown { return true }
            let correlation = state.nextCorrelation
            state.nextCorrelation &+= 1
            state.pending[correlation] = Pending(
                product: product, key: key, body: body, idempotent: idempotent, deadline: deadline, sentAt: nil,
                notBefore: nil, sentTo: nil, completion: completion)
            // Behind parked commands a new one waits its turn, so one user's commands keep their order.
            if !state.parked.isEmpty || !dispatch(correlation, in: &state, now: nil) {
                state.parked.append(correlation)
            }
            return false
        }
        if refused { completion(.failure(FleetRequestError(.shuttingDown))) }
    }

    /// Async form of `request`.
    public func request(
        product: ProductCode, key: String, body: [UInt8], idempotent: Bool, timeout: Duration? = nil
    ) async -> Result<[UInt8], FleetRequestError> {
        await withCheckedContinuation { continuation in
            request(product: product, key: key, body: body, idempotent: idempotent, timeout: timeout) {
                continuation.resume(returning: $0)
            }
        }
    }

    /// Records that one product listener is accepting connections.
    public func listenerBound() { boundListeners.withLock { $0 += 1 } }

    /// Whether every listener is bound and every partition has a ready owner.
    public var isServing: Bool { boundListeners.withLock { $0 } >= configuration.listeners && isReady }

    /// Whether every partition has a ready owner.
    public var isReady: Bool {
        state.withLock { state in
            guard state.map != nil, !state.owners.isEmpty else { return false }
            return state.owners.allSatisfy { owner in
                guard let owner, let link = state.links[state.map!.workers[owner].id] else { return false }
                return link.ready
            }
        }
    }

    /// Tries to hand `correlation` to its owner's socket; false if it has to wait (no map, no ready owner).
    private func dispatch(_ correlation: UInt64, in state: inout State, now: ContinuousClock.Instant?) -> Bool {
        guard var pending = state.pending[correlation], let map = state.map else { return false }
        if let notBefore = pending.notBefore, notBefore > (now ?? clock.now) { return false }
        let partition = Partitioner.partition(of: pending.key, count: map.partitionCount)
        guard let ownerIndex = state.owners[Int(partition)] else { return false }
        let workerID = map.workers[ownerIndex].id
        guard let link = state.links[workerID], link.ready else { return false }
        let envelope = Envelope(
            kind: .command, product: pending.product, partition: partition, epoch: map.epoch,
            correlation: correlation, origin: configuration.id)
        engine.send(WireMessage(envelope, body: pending.body).frames, on: link.socket)
        pending.sentAt = now ?? clock.now
        pending.sentTo = workerID
        pending.notBefore = nil
        state.pending[correlation] = pending
        return true
    }

    /// Runs the sockets, the supervisor link, the reply loop and the timer until shutdown.
    public func run() async throws {
        var subOptions = ZMQSocketOptions()
        subOptions.subscriptions = [Envelope.replyTopic(for: configuration.id)]
        subOptions.receiveHighWaterMark = 1_000_000
        let sub = try await engine.makeSocket(.sub, options: subOptions)
        subscriber.withLock { $0 = sub }
        let membership = FleetMembership(
            engine: engine, id: configuration.id, role: .gateway, supervisorEndpoint: configuration.supervisorEndpoint,
            heartbeatInterval: configuration.heartbeatInterval, logger: logger)
        let hello = HelloMessage(role: .gateway, pid: UInt32(getpid()))
        // The listeners stop before this service is told to (it comes first in the group), so by then no request
        // is coming: stop taking new ones and end the loops.
        try? await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try? await membership.run(
                            hello: hello, exitWhenOrphaned: self.configuration.exitWhenOrphaned,
                            status: {
                                self.counters.setReady(self.isServing)
                                return self.counters.heartbeat()
                            },
                            onMap: { map in await self.adopt(map, subscriber: sub) },
                            malformed: { self.dropped($0) })
                    }
                    group.addTask {
                        for await batch in self.engine.messages(of: sub) { self.handleReplies(batch) }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(10))
                            self.tick()
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.shuttingDown = true }
        }
        failAll(FleetRequestError(.shuttingDown))
        await engine.shutdown()
    }

    private func adopt(_ map: PartitionMap, subscriber sub: ZMQSocketID) async {
        // Connect to new or moved workers first (async socket work), then swap the map in one step.
        let previous = state.withLock { $0.links }
        var links: [String: Link] = [:]
        var toClose: [Link] = []
        for entry in map.workers where entry.isReachable {
            if let old = previous[entry.id], old.entry.commandEndpoint == entry.commandEndpoint,
                old.entry.publishEndpoint == entry.publishEndpoint
            {
                var kept = old
                kept.entry = entry
                links[entry.id] = kept
                continue
            }
            do {
                try await engine.connect(sub, to: entry.publishEndpoint)
                var options = ZMQSocketOptions()
                options.lingerMilliseconds = 0
                let dealer = try await engine.makeSocket(.dealer, options: options, connect: [entry.commandEndpoint])
                links[entry.id] = Link(entry: entry, socket: dealer)
            } catch {
                logger.error("cannot connect to worker", metadata: ["worker": "\(entry.id)", "error": "\(error)"])
            }
        }
        for (id, old) in previous where links[id]?.socket != old.socket { toClose.append(old) }
        state.withLock { state in
            state.map = map
            state.owners = map.ownerTable()
            state.links = links
            // Commands sent to a replaced link may be lost with it: route them again.
            let closed = Set(toClose.map(\.entry.id))
            for (correlation, pending) in state.pending where pending.sentAt != nil {
                if let to = pending.sentTo, closed.contains(to) { repark(correlation, in: &state, delay: nil) }
            }
        }
        for old in toClose {
            await engine.close(old.socket)
            if !old.entry.publishEndpoint.isEmpty {
                try? await engine.disconnect(sub, from: old.entry.publishEndpoint)
            }
        }
        logger.info("partition map received", metadata: ["epoch": "\(map.epoch)", "workers": "\(links.count)"])
    }

    private func repark(_ correlation: UInt64, in state: inout State, delay: Duration?) {
        guard var pending = state.pending[correlation] else { return }
        pending.sentAt = nil
        pending.sentTo = nil
        pending.notBefore = delay.map { clock.now.advanced(by: $0) }
        state.pending[correlation] = pending
        state.parked.append(correlation)
    }

    private func handleReplies(_ batch: [ZMQMessage]) {
        var done: [(Completion, Result<[UInt8], FleetRequestError>)] = []
        state.withLock { state in
            for frames in batch {
                let message: WireMessage
                do {
                    message = try WireMessage(frames: frames, routingFrames: 1)
                } catch {
                    dropped(error)
                    continue
                }
                let envelope = message.envelope
                switch envelope.kind {
                case .pong:
                    if var link = state.links[envelope.origin], !link.ready {
                        link.ready = true
                        state.links[envelope.origin] = link
                        logger.debug("worker link ready", metadata: ["worker": "\(envelope.origin)"])
                    }
                case .reply:
                    guard let pending = state.pending[envelope.correlation] else { continue }
                    switch envelope.status {
                    case .ok:
                        state.pending[envelope.correlation] = nil
                        done.append((pending.completion, .success(message.body)))
                    case .notOwner:
                        repark(envelope.correlation, in: &state, delay: .milliseconds(20))
                    case .failed where pending.idempotent:
                        repark(envelope.correlation, in: &state, delay: .milliseconds(100))
                    case .failed:
                        state.pending[envelope.correlation] = nil
                        done.append((pending.completion, .failure(FleetRequestError(.failed))))
                    case .malformed:
                        state.pending[envelope.correlation] = nil
                        done.append((pending.completion, .failure(FleetRequestError(.malformed))))
                    }
                default:
                    dropped(WireError(.badValue, "unexpected \(envelope.kind) on the reply socket"))
                }
            }
        }
        for (completion, result) in done { completion(result) }
    }

    private func tick() {
        let now = clock.now
        var expired: [Completion] = []
        state.withLock { state in
            for (id, var link) in state.links where !link.ready {
                if let last = link.lastPing, now - last < .milliseconds(100) { continue }
                link.lastPing = now
                state.links[id] = link
                let ping = Envelope(kind: .ping, epoch: state.map?.epoch ?? 0, origin: configuration.id)
                engine.send(WireMessage(ping).frames, on: link.socket)
            }
            if !state.parked.isEmpty { flushParked(in: &state, now: now) }
            state.ticks &+= 1
            // The full scan for deadlines and lost replies runs every tenth tick: it walks every pending command.
            guard state.ticks % 10 == 0 else { return }
            var resend: [UInt64] = []
            for (correlation, pending) in state.pending {
                if pending.deadline <= now {
                    state.pending[correlation] = nil
                    expired.append(pending.completion)
                } else if pending.idempotent, let sentAt = pending.sentAt, now - sentAt >= configuration.resendAfter {
                    resend.append(correlation)
                }
            }
            // Lost reply or lost command: send again, oldest first; the worker's dedupe makes it exactly-once.
            for correlation in resend.sorted() { repark(correlation, in: &state, delay: nil) }
            state.parked.sort()
            flushParked(in: &state, now: now)
        }
        for completion in expired { completion(.failure(FleetRequestError(.timeout))) }
    }

    /// Dispatches parked commands in order; once one for a partition must wait, later ones for it wait too.
    private func flushParked(in state: inout State, now: ContinuousClock.Instant) {
        let parked = state.parked
        state.parked = []
        var blocked = Set<UInt16>()
        let count = state.map?.partitionCount ?? 0
        for correlation in parked {
            guard let pending = state.pending[correlation] else { continue }
            let partition = count > 0 ? Partitioner.partition(of: pending.key, count: count) : 0
            if count > 0, !blocked.contains(partition), dispatch(correlation, in: &state, now: now) { continue }
            blocked.insert(partition)
            state.parked.append(correlation)
        }
    }

    private func failAll(_ error: FleetRequestError) {
        let all = state.withLock { state in
            let all = state.pending.values.map(\.completion)
            state.pending = [:]
            state.parked = []
            return all
        }
        for completion in all { completion(.failure(error)) }
    }

    private func dropped(_ error: any Error) {
        counters.addMalformed()
        logger.warning("malformed message dropped", metadata: ["error": "\(error)"])
    }
}
