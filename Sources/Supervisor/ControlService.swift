import Logging
import Synchronization
import Wire
import ZeroMQ

/// The supervisor's control socket: takes hellos and heartbeats, answers with the partition map.
final class ControlService: Sendable {
    private let registry: ProcessRegistry
    private let engine: ZMQEngine
    private let keyring: FleetKeyring?
    private let logger: Logger
    private let socket = Mutex<ZMQSocketID?>(nil)
    private let id = "supervisor"
    /// Messages whose origin was not the process their key belongs to.
    private let impostors = Atomic<Int>(0)
    /// Commands relayed through a gateway and waiting for its answer, by correlation.
    private let relays = Mutex(Relays())

    private struct Relays {
        var last: UInt64 = 0
        var waiting: [UInt64: CheckedContinuation<RelayResult, Never>] = [:]
        /// Timed out before their wait began (so the wait ends at once).
        var expired: Set<UInt64> = []
    }

    /// A control service; with a `keyring`, its socket is a CURVE server that takes a message only from the process
    /// whose key sent it (the engine's ZAP handler must be the keyring's).
    init(registry: ProcessRegistry, engine: ZMQEngine, keyring: FleetKeyring?, logger: Logger) {
        self.registry = registry
        self.engine = engine
        self.keyring = keyring
        self.logger = logger
    }

    /// Control messages refused because their origin was another process than the key that sent them.
    var impostorMessages: Int { impostors.load(ordering: .relaxed) }

    /// Binds the ROUTER and returns the resolved endpoint.
    func bind(_ endpoint: String) async throws -> String {
        var options = ZMQSocketOptions()
        options.lingerMilliseconds = 100
        if let keyring {
            options.security = .curveServer(keyring.supervisorKeys)
            options.peerUserIDFrame = true
        }
        let router = try await engine.makeSocket(.router, options: options, bind: [endpoint])
        socket.withLock { $0 = router }
        return try await engine.lastEndpoint(router)
    }

    /// Serves until cancelled.
    func run() async {
        guard let router = socket.withLock({ $0 }) else { return }
        for await batch in engine.messages(of: router) {
            for frames in batch { handle(frames, on: router) }
        }
    }

    /// Sends the current map to every live process.
    func broadcast() {
        guard let router = socket.withLock({ $0 }) else { return }
        let map = registry.map
        let identities = registry.records.compactMap(\.identity)
        send(map, to: identities, on: router)
    }

    private func handle(_ received: ZMQMessage, on router: ZMQSocketID) {
        var frames = received
        // With keys, the first frame is the process id the sender's key belongs to (its ZAP User-Id).
        let sender = keyring != nil && !frames.isEmpty ? String(decoding: frames.removeFirst(), as: UTF8.self) : nil
        do {
            let message = try WireMessage(frames: frames, routingFrames: 1)
            let identity = frames[0]
            let envelope = message.envelope
            if let sender, sender != envelope.origin {
                // Any key of the fleet gets through the handshake; only its own process's key may speak for it.
                impostors.add(1, ordering: .relaxed)
                logger.warning(
                    "control message refused: sent with another process's key",
                    metadata: ["origin": "\(envelope.origin)", "key": "\(sender)", "kind": "\(envelope.kind)"])
                return
            }
            switch envelope.kind {
            case .hello:
                let hello = try HelloMessage(decoding: message.body)
                guard let (map, targets) = registry.hello(from: envelope.origin, identity: identity, hello) else {
                    throw WireError(.badValue, "hello from unknown process \(envelope.origin) as \(hello.role)")
                }
                logger.info(
                    "process up",
                    metadata: ["id": "\(envelope.origin)", "pid": "\(hello.pid)", "epoch": "\(map.epoch)"])
                send(map, to: targets, on: router)
            case .heartbeat:
                let beat = try HeartbeatMessage(decoding: message.body)
                switch registry.heartbeat(from: envelope.origin, identity: identity, knownEpoch: envelope.epoch, beat) {
                case .ignored:
                    // Answering would keep a process we no longer count from noticing: its silence makes it
                    // say hello again (docs/protocol.md §5.6).
                    break
                case .upToDate:
                    let answer = Envelope(kind: .heartbeat, epoch: registry.epoch, origin: id)
                    engine.send([identity] + WireMessage(answer).frames, on: router)
                case .map(let map):
                    send(map, to: [identity], on: router)
                }
            case .reply:
                let waiter = relays.withLock { $0.waiting.removeValue(forKey: envelope.correlation) }
                // An answer nobody waits for any more (it timed out) is dropped.
                waiter?.resume(returning: envelope.status == .ok ? .answered(message.body) : .failed(envelope.status))
            default:
                throw WireError(.badValue, "unexpected \(envelope.kind) on the control socket")
            }
        } catch {
            registry.countMalformed()
            logger.warning("malformed control message dropped", metadata: ["error": "\(error)"])
        }
    }

    /// How a relayed command ended.
    enum RelayResult: Sendable, Equatable {
        /// The owner's answer.
        case answered([UInt8])
        /// The gateway could not get an answer (the owner failed, the fleet has no route) or refused the command.
        case failed(ReplyStatus)
        /// No gateway serves now.
        case noGateway
        /// No answer within the time given.
        case timedOut
    }

    /// Sends `body`, a command of `product` for `partition`, through a serving gateway of this fleet into the fleet
    /// (docs/protocol.md §5.7) and waits at most `timeout` for the owner's answer.
    func relay(product: ProductCode, partition: UInt16, body: [UInt8], timeout: Duration) async -> RelayResult {
        guard let router = socket.withLock({ $0 }),
            let gateway = registry.records.first(where: {
                $0.role == .gateway && $0.state == .running && $0.ready && $0.identity != nil
            }), let identity = gateway.identity
        else { return .noGateway }
        let correlation = relays.withLock { relays in
            relays.last += 1
            return relays.last
        }
        let command = Envelope(
            kind: .command, product: product, partition: partition, epoch: registry.epoch, correlation: correlation,
            origin: id)
        return await withTaskGroup(of: RelayResult?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let expired = self.relays.withLock { relays in
                        if relays.expired.remove(correlation) != nil { return true }
                        relays.waiting[correlation] = continuation
                        return false
                    }
                    if expired { return continuation.resume(returning: .timedOut) }
                    self.engine.send([identity] + WireMessage(command, body: body).frames, on: router)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Still waiting: end the wait (an answer that comes later finds nobody).
                let waiter = self.relays.withLock { relays in
                    guard let waiter = relays.waiting.removeValue(forKey: correlation) else {
                        // Answered already, or the wait has not begun: then it ends as soon as it does.
                        if !Task.isCancelled { relays.expired.insert(correlation) }
                        return nil as CheckedContinuation<RelayResult, Never>?
                    }
                    return waiter
                }
                waiter?.resume(returning: .timedOut)
                return nil
            }
            var result = RelayResult.timedOut
            while let finished = await group.next() {
                if let finished {
                    result = finished
                    group.cancelAll()
                }
            }
            return result
        }
    }

    private func send(_ map: PartitionMap, to identities: [[UInt8]], on router: ZMQSocketID) {
        let frames = WireMessage(Envelope(kind: .map, epoch: map.epoch, origin: id), body: map.encoded()).frames
        engine.send(identities.map { [$0] + frames }, on: router)
    }
}
