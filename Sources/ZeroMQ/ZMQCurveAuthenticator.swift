public import Logging
import Synchronization

/// The ZAP handler (ZeroMQ RFC 27) of one engine: libzmq asks it about every CURVE handshake on the engine's server
/// sockets, and it lets in only the public keys it was given. A peer without an allowed key cannot connect, send,
/// subscribe or fetch: the handshake fails before any message is exchanged.
///
/// It must be running (`run(on:bound:)` has called `bound`) before any `curveServer` socket of the engine binds:
/// a CURVE server with a ZAP domain but no handler refuses every client, and one with no domain would let any key in.
public final class ZMQCurveAuthenticator: Sendable {
    /// The ZAP domain set on every CURVE server socket.
    public static let domain = "switchyard"
    /// Where libzmq sends ZAP requests, in the engine's context.
    public static let endpoint = "inproc://zeromq.zap.01"

    private let allowed: Mutex<Set<[UInt8]>>
    private let refusals = Atomic<Int>(0)
    private let logger: Logger

    /// An authenticator that lets in `publicKeys` (Z85; keys that are not Z85 are ignored).
    public init(allowing publicKeys: some Sequence<String>, logger: Logger) {
        allowed = Mutex(Set(publicKeys.compactMap(ZMQCurveKeyPair.binary)))
        self.logger = logger
    }

    /// Lets `publicKey` in from now on; false if it is not a Z85 key.
    @discardableResult
    public func allow(_ publicKey: String) -> Bool {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return false }
        allowed.withLock { _ = $0.insert(key) }
        return true
    }

    /// Lets `publicKey` in no more (connections already made stay).
    public func revoke(_ publicKey: String) {
        guard let key = ZMQCurveKeyPair.binary(publicKey) else { return }
        allowed.withLock { _ = $0.remove(key) }
    }

    /// Handshakes refused so far.
    public var refused: Int { refusals.load(ordering: .relaxed) }

    /// Binds the ZAP endpoint on `engine`, calls `bound`, and answers every request until the task is cancelled or
    /// the engine shuts down.
    public func run(on engine: ZMQEngine, bound: @Sendable () -> Void = {}) async throws {
        // A ROUTER rather than the RFC's REP: answers go back by routing id, so requests need not wait in lockstep.
        let socket = try await engine.makeSocket(.router, bind: [Self.endpoint])
        bound()
        await engine.consume(socket) { batch in
            var replies: [ZMQMessage] = []
            for request in batch {
                guard let (reply, accepted, key) = self.answer(request) else { continue }
                replies.append(reply)
                if !accepted {
                    self.refusals.add(1, ordering: .relaxed)
                    self.logger.warning(
                        "ZeroMQ handshake refused: unknown key",
                        metadata: ["key": "\(key.flatMap(ZMQCurveKeyPair.text) ?? "none")"])
                }
            }
            if !replies.isEmpty { engine.send(replies, on: socket) }
        }
        await engine.close(socket)
    }

    /// The reply to one ZAP request as the ROUTER received it (`routing id | "" | version | request id | domain |
    /// address | identity | mechanism | credentials…`): 200 for CURVE with an allowed key, 400 otherwise. Nil for
    /// a message that is not a ZAP request at all (nothing to answer).
    func answer(_ request: ZMQMessage) -> (reply: ZMQMessage, accepted: Bool, key: [UInt8]?)? {
        guard request.count >= 8, request[1].isEmpty else { return nil }
        let requestID = request[3]
        let mechanism = request[7]
        let key = request.count >= 9 ? request[8] : nil
        let accepted =
            request[2] == Array("1.0".utf8) && mechanism == Array("CURVE".utf8)
            && key.map { key in
                allowed.withLock { $0.contains(key) }
            } == true
        let status = accepted ? "200" : "400"
        let text = accepted ? "OK" : "unknown key"
        let user = accepted ? key.flatMap(ZMQCurveKeyPair.text) ?? "" : ""
        let reply: ZMQMessage = [
            request[0], [], Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(user.utf8), [],
        ]
        return (reply, accepted, key)
    }
}
