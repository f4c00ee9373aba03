package import Logging
import Synchronization

/// The ZAP handler (ZeroMQ RFC 27) of one engine: libzmq asks it about every CURVE handshake on the engine's server
/// sockets, and it lets in only the public keys it was given. A peer without an allowed key cannot connect, send,
/// subscribe or fetch: the handshake fails before any message is exchanged.
///
/// Each allowed key has a name, which the handler returns as the connection's ZAP User-Id: a socket with
/// `ZMQSocketOptions.peerUserIDFrame` then sees, with every message, the name of the key that sent it.
///
/// It must be running (`run(on:bound:)` has called `bound`) before any `curveServer` socket of the engine binds:
/// a CURVE server with a ZAP domain but no handler refuses every client, and one with no domain would let any key in.
package final class ZMQCurveAuthenticator: Sendable {
    /// The ZAP domain set on every CURVE server socket.
    package static let domain = "switchyard"
    /// Where libzmq sends ZAP requests, in the engine's context.
    package static let endpoint = "inproc://zeromq.zap.01"

    /// Binary public key → name.
    private let allowed: Mutex<[[UInt8]: String]>
    private let refusals = Atomic<Int>(0)
    private let logger: Logger
    /// How long a handshake with a key not (yet) allowed waits for the key to be allowed before it is refused.
    private let grace: Duration
    /// Most handshakes waiting at once; more are refused at once.
    private let maxWaiting: Int
    private let waiting = Mutex<[Waiting]>([])
    /// Where answers go, once `serve` runs.
    private let replies = Mutex<(engine: ZMQEngine, socket: ZMQSocketID)?>(nil)

    /// A handshake whose key is not allowed yet.
    private struct Waiting {
        let request: ZMQMessage
        let key: [UInt8]
        let deadline: ContinuousClock.Instant
    }

    /// An authenticator that lets in the keys of `names` (public key in Z85 → the name it is known by; keys that
    /// are not Z85 are ignored).
    ///
    /// With a `grace`, a handshake whose key is not allowed waits that long for it to be (`allow`, `replace`) before
    /// it is refused: a process learns the keys it lets in from messages (a map), and a peer that connects just
    /// before they arrive must not be turned away, since libzmq does not always retry a refused handshake
    /// (zeromq/libzmq#3519). At most `maxWaiting` wait at once.
    package init(allowing names: [String: String], grace: Duration = .zero, maxWaiting: Int = 256, logger: Logger) {
        allowed = Mutex(Self.binaryKeys(names))
        self.grace = grace
        self.maxWaiting = maxWaiting
        self.logger = logger
    }

    /// An authenticator that lets in `publicKeys`, each known by its own Z85 text.
    package convenience init(allowing publicKeys: some Sequence<String>, logger: Logger) {
        self.init(
            allowing: Dictionary(publicKeys.map { ($0, $0) }, uniquingKeysWith: { first, _ in first }), logger: logger)
    }

    /// Lets `publicKey` in from now on, known as `name` (its Z85 text by default); false if it is not a Z85 key.
    @discardableResult
    package func allow(_ publicKey: String, as name: String? = nil) -> Bool {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return false }
        allowed.withLock { $0[key] = name ?? publicKey }
        admitWaiting()
        return true
    }

    /// Lets in exactly the keys of `names` from now on (connections already made stay).
    package func replace(allowing names: [String: String]) {
        let keys = Self.binaryKeys(names)
        allowed.withLock { $0 = keys }
        admitWaiting()
    }

    /// Handshakes waiting for their key to be allowed.
    package var waitingCount: Int { waiting.withLock { $0.count } }

    /// Lets `publicKey` in no more (connections already made stay).
    package func revoke(_ publicKey: String) {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return }
        allowed.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Handshakes refused so far.
    package var refused: Int { refusals.load(ordering: .relaxed) }

    /// Binds the ZAP endpoint on `engine`, calls `bound`, and answers every request until the task is cancelled or
    /// the engine shuts down.
    package func run(on engine: ZMQEngine, bound: @Sendable () -> Void = {}) async throws {
        let socket = try await bind(on: engine)
        bound()
        await serve(socket, on: engine)
    }

    /// Binds the ZAP endpoint on `engine`: from now on libzmq waits for this handler's answers, so the engine's
    /// CURVE server sockets may bind; `serve` must follow.
    package func bind(on engine: ZMQEngine) async throws -> ZMQSocketID {
        // A ROUTER rather than the RFC's REP: answers go back by routing id, so requests need not wait in lockstep.
        try await engine.makeSocket(.router, bind: [Self.endpoint])
    }

    /// Answers every request on `socket` (from `bind`) until the task is cancelled or the engine shuts down.
    package func serve(_ socket: ZMQSocketID, on engine: ZMQEngine) async {
        replies.withLock { $0 = (engine, socket) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await engine.consume(socket) { batch in
                    var answers: [ZMQMessage] = []
                    for request in batch {
                        if let answer = self.decide(request) { answers.append(answer) }
                    }
                    if !answers.isEmpty { engine.send(answers, on: socket) }
                }
            }
            if grace > .zero {
                group.addTask {
                    // Waiting handshakes past their grace are refused; a tenth of the grace is precise enough.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.grace / 10)
                        self.refuseExpired(at: .now)
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
        replies.withLock { $0 = nil }
        await engine.close(socket)
    }

    /// The answer to send now for `request`, or nil (not a ZAP request, or it waits for its key).
    private func decide(_ request: ZMQMessage) -> ZMQMessage? {
        guard let (reply, accepted, key) = answer(request) else { return nil }
        if accepted { return reply }
        if grace > .zero, let key, isCurve(request) {
            let parked = waiting.withLock { waiting in
                guard waiting.count < maxWaiting else { return false }
                waiting.append(Waiting(request: request, key: key, deadline: .now + grace))
                return true
            }
            if parked { return nil }
        }
        refused(key, address: request.count > 5 ? request[5] : [])
        return reply
    }

    private func isCurve(_ request: ZMQMessage) -> Bool {
        request[2] == Array("1.0".utf8) && request[7] == Array("CURVE".utf8)
    }

    private func refused(_ key: [UInt8]?, address: [UInt8]) {
        refusals.add(1, ordering: .relaxed)
        logger.warning(
            "ZeroMQ handshake refused: unknown key",
            metadata: [
                "key": "\(key.flatMap(ZMQCurveKeyPair.text) ?? "none")",
                "address": "\(String(decoding: address, as: UTF8.self))",
            ])
    }

    /// Answers the waiting handshakes whose keys are allowed now.
    private func admitWaiting() {
        let admitted = waiting.withLock { waiting -> [ZMQMessage] in
            guard !waiting.isEmpty else { return [] }
            let known = allowed.withLock { allowed in waiting.map { allowed[$0.key] != nil } }
            let now = zip(waiting, known).filter(\.1).map(\.0.request)
            waiting = zip(waiting, known).filter { !$0.1 }.map(\.0)
            return now
        }
        send(admitted.compactMap { answer($0)?.reply })
    }

    /// Refuses the waiting handshakes whose grace ran out.
    func refuseExpired(at now: ContinuousClock.Instant) {
        let expired = waiting.withLock { waiting -> [Waiting] in
            let gone = waiting.filter { $0.deadline <= now }
            waiting.removeAll { $0.deadline <= now }
            return gone
        }
        var answers: [ZMQMessage] = []
        for entry in expired {
            guard let (reply, accepted, key) = answer(entry.request) else { continue }
            if !accepted { refused(key, address: entry.request.count > 5 ? entry.request[5] : []) }
            answers.append(reply)
        }
        send(answers)
    }

    private func send(_ answers: [ZMQMessage]) {
        guard !answers.isEmpty, let (engine, socket) = replies.withLock({ $0 }) else { return }
        engine.send(answers, on: socket)
    }

    /// The reply to one ZAP request as the ROUTER received it (`routing id | "" | version | request id | domain |
    /// address | identity | mechanism | credentials…`): 200 with the key's name as User-Id for CURVE with an allowed
    /// key, 400 otherwise. Nil for a message that is not a ZAP request at all (nothing to answer).
    func answer(_ request: ZMQMessage) -> (reply: ZMQMessage, accepted: Bool, key: [UInt8]?)? {
        guard request.count >= 8, request[1].isEmpty else { return nil }
        let requestID = request[3]
        let mechanism = request[7]
        let key = request.count >= 9 ? request[8] : nil
        let name: String? =
            request[2] == Array("1.0".utf8) && mechanism == Array("CURVE".utf8)
            ? key.flatMap { key in allowed.withLock { $0[key] } } : nil
        let accepted = name != nil
        let status = accepted ? "200" : "400"
        let text = accepted ? "OK" : "unknown key"
        let reply: ZMQMessage = [
            request[0], [], Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8),
            Array((name ?? "").utf8),
            [],
        ]
        return (reply, accepted, key)
    }

    private static func binaryKeys(_ names: [String: String]) -> [[UInt8]: String] {
        var keys: [[UInt8]: String] = [:]
        for (publicKey, name) in names {
            if let key = ZMQCurveKeyPair.binary(publicKey) { keys[key] = name }
        }
        return keys
    }
}
