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
            default:
                throw WireError(.badValue, "unexpected \(envelope.kind) on the control socket")
            }
        } catch {
            registry.countMalformed()
            logger.warning("malformed control message dropped", metadata: ["error": "\(error)"])
        }
    }

    private func send(_ map: PartitionMap, to identities: [[UInt8]], on router: ZMQSocketID) {
        let frames = WireMessage(Envelope(kind: .map, epoch: map.epoch, origin: id), body: map.encoded()).frames
        engine.send(identities.map { [$0] + frames }, on: router)
    }
}
