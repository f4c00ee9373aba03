package import Fleet
import Foundation
package import Logging
package import ServiceLifecycle
import Synchronization
package import Wire
import ZeroMQ

/// The gateway's side of the fleet: routes each command to the worker owning its partition, correlates replies,
/// resends idempotent commands after a lost reply or a refusal, and fails requests at their deadline.
package final class FleetClient: Service, Sendable {
    /// Tunables (docs/operations.md).
    package struct Configuration: Sendable {
        /// This gateway's id; replies come on topic `R/<id>/`.
        package var id: String
        /// The supervisor's control ROUTER.
        package var supervisorEndpoint: String
        /// Heartbeat period towards the supervisor.
        package var heartbeatInterval: Duration
        /// Default deadline of a request.
        package var requestTimeout: Duration
        /// A worker link with commands in flight and silent (not even answering pings) for this long is treated as
        /// lost: idempotent commands go out again once it, or its replacement, answers.
        package var linkTimeout: Duration
        /// Exit when the launching supervisor is gone.
        package var exitWhenOrphaned: Bool
        /// Listeners that must be bound before the gateway reports itself ready.
        package var listeners: Int
        /// Largest frame accepted on any of its ZeroMQ sockets; a peer sending more is disconnected.
        package var maxWireMessageBytes: Int = WireConstants.defaultMaxMessageBytes
        /// How its ZeroMQ links are secured (CURVE with its key file, or insecure for debugging).
        package var security: LinkSecurity = .insecure

        /// Creates a configuration.
        package init(
            id: String, supervisorEndpoint: String, heartbeatInterval: Duration = .milliseconds(250),
            requestTimeout: Duration = .seconds(5), linkTimeout: Duration = .seconds(5),
            exitWhenOrphaned: Bool = false, listeners: Int = 2
        ) {
            self.listeners = listeners
            self.id = id
            self.supervisorEndpoint = supervisorEndpoint
            self.heartbeatInterval = heartbeatInterval
            self.requestTimeout = requestTimeout
            self.linkTimeout = linkTimeout
            self.exitWhenOrphaned = exitWhenOrphaned
        }
    }

    /// Called once per request with the reply body or the reason there is none.
    package typealias Completion = @Sendable (Result<[UInt8], FleetRequestError>) -> Void

    private struct State {
        var routing: RoutingState<ZMQSocketID>
        var shuttingDown = false
    }

    /// Process-wide counters (also reported in heartbeats).
    package let counters = ProcessCounters()
    private let configuration: Configuration
    private let engine: ZMQEngine
    private let logger: Logger
    private let state: Mutex<State>
    private let boundListeners = Mutex(0)
    private let eventSubscriptions = Mutex<[(product: ProductCode, handler: EventHandler)]>([])
    /// One SUB per worker link, by worker id, with the PUB endpoint it is connected to. A link that goes away has
    /// its SUB closed, never disconnected: libzmq 4.3 aborts (fq.cpp `!_more`) when a SUB is disconnected while
    /// part of a multipart message from that peer is queued (zeromq/libzmq#2163).
    private let subscribers = Mutex<[String: (endpoint: String, socket: ZMQSocketID)]>([:])
    /// The key each worker link was made with: a worker whose key changed (rotated) gets new sockets.
    private let linkKeys = Mutex<[String: String]>([:])
    private let clock = ContinuousClock()
    /// SUB sockets made by `adopt`, handed to the task of `run` that consumes them.
    private let newSubscribers = AsyncStream.makeStream(
        of: (socket: ZMQSocketID, events: [(product: ProductCode, handler: EventHandler)]).self)

    /// Creates the client; sockets are made when `run` starts, and requests made before then wait for a route.
    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.engine = ZMQEngine(
            name: "gateway-\(configuration.id)", logger: logger, maxMessageSize: configuration.maxWireMessageBytes)
        var timing = RoutingState<ZMQSocketID>.Timing()
        timing.linkTimeout = configuration.linkTimeout
        // A random start keeps a restarted gateway from matching replies meant for its previous incarnation.
        let routing = RoutingState<ZMQSocketID>(
            origin: configuration.id, timing: timing, firstCorrelation: UInt64.random(in: 1...(UInt64.max / 2)))
        self.state = Mutex(State(routing: routing))
    }

    /// Sends a command for `key`'s partition and calls `completion` with the reply body. `idempotent` commands are
    /// sent again after a lost link; others then fail with `.lost`.
    package func request(
        product: ProductCode, key: String, partition: UInt16? = nil, body: [UInt8], idempotent: Bool,
        timeout: Duration? = nil, completion: @escaping Completion
    ) {
        let now = clock.now
        let counters = counters
        let request = RoutingState<ZMQSocketID>.Request(
            product: product, key: key, partition: partition, body: body, idempotent: idempotent,
            deadline: now.advanced(by: timeout ?? configuration.requestTimeout)
        ) { result in
            // Answers only: a timeout or a lost link would put the request deadline into the latency figures.
            if case .success = result { counters.observeDuration(.fleetReplyDuration, product: product, since: now) }
            completion(result)
        }
        let afterLock: AfterLock? = state.withLock { state in
            state.shuttingDown ? nil : sendNow(state.routing.submit(request, now: now))
        }
        guard let afterLock else { return completion(.failure(FleetRequestError(.shuttingDown))) }
        complete(afterLock)
    }

    /// This gateway's id.
    package var id: String { configuration.id }

    /// The fleet's partition count, once a map has arrived.
    package var partitionCount: Int? { state.withLock { $0.routing.partitionCount } }

    /// Receives the events of the products given to `subscribe(events:)`, in the order each worker published
    /// them, on the ZeroMQ I/O thread and before the replies that came with them are completed.
    package typealias EventHandler = @Sendable ([WireMessage]) -> Void

    /// Subscribes to `product`'s events; call before `run`. The handler must not block.
    package func subscribe(events product: ProductCode, handler: @escaping EventHandler) {
        eventSubscriptions.withLock { $0.append((product, handler)) }
    }

    /// Records that one product listener is accepting connections.
    package func listenerBound() { boundListeners.withLock { $0 += 1 } }

    /// Whether every listener is bound and every partition has a ready owner.
    package var isServing: Bool { boundListeners.withLock { $0 } >= configuration.listeners && isReady }

    /// Whether every partition has a ready owner.
    package var isReady: Bool { state.withLock { $0.routing.isReady } }

    /// A completion bound to its result, to be called once the routing lock is released.
    private typealias PendingCompletion = () -> Void

    /// What is left to do once the routing lock is released: wake the I/O thread for the sends queued under it,
    /// and call the completions.
    private struct AfterLock {
        var completions: [PendingCompletion] = []
        var wake = false
    }

    /// Hands the sends among `actions` to the engine, in order, and returns what to do after the lock. Call it while
    /// holding the routing lock: the order the routing state decided is then the order in which commands reach the
    /// socket, even when several threads route at once (a send handed over after the lock is released could
    /// overtake an earlier batch still being handed over, and reorder a partition's commands). The I/O thread is
    /// woken only after the lock is released: woken inside it, it would take the CPU and then wait for the lock.
    private func sendNow(_ actions: [RoutingState<ZMQSocketID>.Action]) -> AfterLock {
        var after = AfterLock()
        for action in actions {
            switch action {
            case .send(let socket, let frames):
                if engine.sendDeferringWake(frames, on: socket) { after.wake = true }
            case .complete(let completion, let result): after.completions.append { completion(result) }
            }
        }
        return after
    }

    /// Wakes the I/O thread if it must, then calls the completions; outside the lock (a completion may submit again).
    private func complete(_ after: AfterLock) {
        if after.wake { engine.wake() }
        for completion in after.completions { completion() }
    }

    /// Runs the sockets, the supervisor link, the reply loop and the timer until shutdown.
    package func run() async throws {
        let membership = FleetMembership(
            engine: engine, id: configuration.id, role: .gateway, supervisorEndpoint: configuration.supervisorEndpoint,
            heartbeatInterval: configuration.heartbeatInterval, security: configuration.security, logger: logger)
        let hello = HelloMessage(role: .gateway, pid: UInt32(getpid()))
        // The listeners stop before this service is told to (it comes first in the group), so by then no request
        // is coming: stop taking new ones and end the loops.
        let orphaned = try? await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                await withTaskGroup(of: FleetMembership.Orphaned?.self) { group in
                    group.addTask {
                        do {
                            try await membership.run(
                                hello: hello, exitWhenOrphaned: self.configuration.exitWhenOrphaned,
                                status: {
                                    self.counters.setReady(self.isServing)
                                    return self.counters.heartbeat(droppedOutbound: self.engine.droppedOutbound)
                                },
                                onMap: { map in await self.adopt(map) },
                                onCommand: { envelope, body in await self.relay(envelope, body) },
                                malformed: { self.dropped($0) })
                        } catch let orphaned as FleetMembership.Orphaned {
                            return orphaned
                        } catch {}
                        return nil
                    }
                    group.addTask {
                        await withDiscardingTaskGroup { consumers in
                            for await (sub, events) in self.newSubscribers.stream {
                                consumers.addTask {
                                    // Matching replies and calling completions never blocks: on the I/O thread.
                                    await self.engine.consume(sub) { self.handleReplies($0, events: events) }
                                }
                            }
                        }
                        return nil
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(10))
                            let now = self.clock.now
                            self.complete(self.state.withLock { self.sendNow($0.routing.tick(now: now)) })
                        }
                        return nil
                    }
                    let first = await group.next()
                    group.cancelAll()
                    return first ?? nil
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.shuttingDown = true }
        }
        complete(state.withLock { sendNow($0.routing.failAll(FleetRequestError(.shuttingDown))) })
        await engine.shutdown()
        // Ended because the supervisor is gone: the gateway's command decides what that means for the process.
        if let orphaned = orphaned ?? nil { throw orphaned }
    }

    /// Sends a command the supervisor relays through this gateway (`switchyard lobby-user`) to its partition's
    /// owner, as a client's command goes, and gives back the owner's answer (docs/protocol.md §5.7).
    private func relay(_ envelope: Envelope, _ body: [UInt8]) async -> (ReplyStatus, [UInt8]) {
        guard envelope.product != .fleet, partitionCount.map({ Int(envelope.partition) < $0 }) ?? false else {
            return (.malformed, [])
        }
        // Idempotent: the relayed commands set a state (a user's password and type), so a resend is harmless.
        switch await request(
            product: envelope.product, key: "", partition: envelope.partition, body: body, idempotent: true)
        {
        case .success(let reply): return (.ok, reply)
        case .failure: return (.failed, [])
        }
    }

    /// A SUB for worker replies and events, connected to `endpoint`, consumed until it is closed.
    private func makeSubscriber(connectedTo endpoint: String, security: ZMQSecurity) async throws -> ZMQSocketID {
        var options = ZMQSocketOptions()
        options.security = security
        let events = eventSubscriptions.withLock { $0 }
        options.subscriptions =
            [Envelope.replyTopic(for: configuration.id)] + events.map { Envelope.eventTopic(for: $0.product) }
        options.receiveHighWaterMark = 1_000_000
        options.lingerMilliseconds = 0
        let sub = try await engine.makeSocket(.sub, options: options, connect: [endpoint])
        // Consumed by a task of `run` until the socket is closed.
        newSubscribers.continuation.yield((sub, events))
        return sub
    }

    private func adopt(_ map: PartitionMap) async {
        // Connect to new or moved workers first (async socket work), then hand the map over in one step.
        let current = state.withLock { $0.routing.currentLinks }
        var sockets: [String: (commandEndpoint: String, publishEndpoint: String, socket: ZMQSocketID)] = [:]
        let previousKeys = linkKeys.withLock { $0 }
        for entry in map.workers where entry.isReachable {
            if let old = current[entry.id], old.commandEndpoint == entry.commandEndpoint,
                old.publishEndpoint == entry.publishEndpoint, previousKeys[entry.id] == map.keys[entry.id]
            {
                sockets[entry.id] = old
                continue
            }
            guard let security = configuration.security.toWorker(entry.id, of: map) else {
                logger.error("the map has no key for a worker; not connecting", metadata: ["worker": "\(entry.id)"])
                continue
            }
            do {
                let sub = try await makeSubscriber(connectedTo: entry.publishEndpoint, security: security)
                let replaced = subscribers.withLock { $0.updateValue((entry.publishEndpoint, sub), forKey: entry.id) }
                if let replaced { await engine.close(replaced.socket) }
                var options = ZMQSocketOptions()
                options.lingerMilliseconds = 0
                options.security = security
                // Commands for this worker that queue up while the I/O thread is busy leave as one batch.
                options.coalesce = { [id = configuration.id] in WireBatch.coalesce($0, routingFrames: 0, origin: id) }
                let dealer = try await engine.makeSocket(.dealer, options: options, connect: [entry.commandEndpoint])
                linkKeys.withLock { $0[entry.id] = map.keys[entry.id] }
                sockets[entry.id] = (entry.commandEndpoint, entry.publishEndpoint, dealer)
            } catch {
                logger.error("cannot connect to worker", metadata: ["worker": "\(entry.id)", "error": "\(error)"])
            }
        }
        let now = clock.now
        let (afterLock, closed) = state.withLock { state in
            let (actions, closed) = state.routing.adopt(map, sockets: sockets, now: now)
            return (sendNow(actions), closed)
        }
        complete(afterLock)
        for socket in closed { await engine.close(socket) }
        let gone = subscribers.withLock { subscribers in
            let ids = subscribers.keys.filter { sockets[$0] == nil }
            return ids.compactMap { subscribers.removeValue(forKey: $0)?.socket }
        }
        for sub in gone { await engine.close(sub) }
        logger.info("partition map received", metadata: ["epoch": "\(map.epoch)", "workers": "\(sockets.count)"])
    }

    private func handleReplies(
        _ batch: [ZMQMessage], events subscriptions: [(product: ProductCode, handler: EventHandler)]
    ) {
        let now = clock.now
        var afterLock = AfterLock()
        var malformed: [WireError] = []
        var events: [WireMessage] = []
        state.withLock { state in
            var actions: [RoutingState<ZMQSocketID>.Action] = []
            func take(_ message: WireMessage) throws(WireError) {
                switch message.envelope.kind {
                case .reply, .pong: actions += state.routing.received(message, now: now)
                case .event: events.append(message)
                default: throw WireError(.badValue, "unexpected \(message.envelope.kind) on the reply socket")
                }
            }
            for frames in batch {
                do throws(WireError) {
                    let message = try WireMessage(frames: frames, routingFrames: 1)
                    guard message.envelope.kind == .batch else {
                        try take(message)
                        continue
                    }
                    // Each packed message as if it had come alone; a broken one is dropped and counted.
                    let (messages, errors) = WireBatch.unpack(message.body)
                    counters.add(.batchReceived)
                    counters.add(.batchedMessageReceived, count: messages.count)
                    malformed += errors
                    for packed in messages {
                        do throws(WireError) { try take(packed) } catch { malformed.append(error) }
                    }
                } catch {
                    malformed.append(error)
                }
            }
            afterLock = sendNow(actions)
        }
        // Events first: a reply that came after an event (a ping's, after its change) finds the change applied.
        for (product, handler) in subscriptions {
            let mine = events.filter { $0.envelope.product == product }
            if !mine.isEmpty { handler(mine) }
        }
        complete(afterLock)
        for error in malformed { dropped(error) }
    }

    private func dropped(_ error: any Error) {
        counters.addMalformed()
        logger.warning("malformed message dropped", metadata: ["error": "\(error)"])
    }
}
