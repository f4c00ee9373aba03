public import Logging
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
public final class ZMQCurveAuthenticator: Sendable {
    /// The ZAP domain set on every CURVE server socket.
    public static let domain = "switchyard"
    /// Where libzmq sends ZAP requests, in the engine's context.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Binary public key → name.
    private let allowed: Mutex<[[UInt8]: String]>
    private let refusals = Atomic<Int>(0)
    private let logger: Logger

    /// An authenticator that lets in the keys of `names` (public key in Z85 → the name it is known by; keys that
    /// are not Z85 are ignored).
    public init(allowing names: [String: String], logger: Logger) {
        allowed = Mutex(Self.binaryKeys(names))
        self.logger = logger
    }

    /// An authenticator that lets in `publicKeys`, each known by its own Z85 text.
    public convenience init(allowing publicKeys: some Sequence<String>, logger: Logger) {
        self.init(
            allowing: Dictionary(publicKeys.map { ($0, $0) }, uniquingKeysWith: { first, _ in first }), logger: logger)
    }

    /// Lets `publicKey` in from now on, known as `name` (its Z85 text by default); false if it is not a Z85 key.
    @discardableResult
    public func allow(_ publicKey: String, as name: String? = nil) -> Bool {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return false }
        allowed.withLock { $0[key] = name ?? publicKey }
        return true
    }

    /// Lets in exactly the keys of `names` from now on (connections already made stay).
    public func replace(allowing names: [String: String]) {
        let keys = Self.binaryKeys(names)
        allowed.withLock { $0 = keys }
    }

    /// Lets `publicKey` in no more (connections already made stay).
    public func revoke(_ publicKey: String) {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return }
        allowed.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Handshakes refused so far.
    public var refused: Int { refusals.load(ordering: .relaxed) }

    /// Binds the ZAP endpoint on `engine`, calls `bound`, and answers every request until the task is cancelled or
    /// the engine shuts down.
    public func run(on engine: ZMQEngine, bound: @Sendable () -> Void = {}) async throws {
        let socket = try await bind(on: engine)
        bound()
        await serve(socket, on: engine)
    }

    /// Binds the ZAP endpoint on `engine`: from now on libzmq waits for this handler's answers, so the engine's
    /// CURVE server sockets may bind; `serve` must follow.
    public func bind(on engine: ZMQEngine) async throws -> ZMQSocketID {
        // A ROUTER rather than the RFC's REP: answers go back by routing id, so requests need not wait in lockstep.
        try await engine.makeSocket(.router, bind: [Self.endpoint])
    }

    /// Answers every request on `socket` (from `bind`) until the task is cancelled or the engine shuts down.
    public func serve(_ socket: ZMQSocketID, on engine: ZMQEngine) async {
        await engine.consume(socket) { batch in
            var replies: [ZMQMessage] = []
            for request in batch {
                guard let (reply, accepted, key) = self.answer(request) else { continue }
                replies.append(reply)
                if !accepted {
                    self.refusals.add(1, ordering: .relaxed)
                    self.logger.warning(
                        "ZeroMQ handshake refused: unknown key",
                        metadata: [
                            "key": "\(key.flatMap(ZMQCurveKeyPair.text) ?? "none")",
                            "address": "\(String(decoding: request.count > 5 ? request[5] : [], as: UTF8.self))",
                        ])
                }
            }
            if !replies.isEmpty { engine.send(replies, on: socket) }
        }
        await engine.close(socket)
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
