import Logging
import Synchronization
import TestSupport
import Testing

@testable import ZeroMQ

/// CURVE keys, the security options and the ZAP authenticator, over loopback TCP (libzmq runs no security
/// handshake on `inproc://`).
@Suite struct ZMQCurveTests {
    var logger: Logger {
        var logger = Logger(label: "ZMQCurveTests")
        logger.logLevel = .critical
        return logger
    }

    @Test func keyPairsAreZ85AndThePublicKeyFollowsFromTheSecretOne() throws {
        let pair = try ZMQCurveKeyPair.generate()
        #expect(pair.publicKey.utf8.count == 40 && pair.secretKey.utf8.count == 40)
        #expect(ZMQCurveKeyPair.isKey(pair.publicKey) && ZMQCurveKeyPair.isKey(pair.secretKey))
        #expect(try ZMQCurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try ZMQCurveKeyPair.generate() != pair)
        let binary = try #require(ZMQCurveKeyPair.binary(pair.publicKey))
        #expect(binary.count == 32 && ZMQCurveKeyPair.text(binary) == pair.publicKey)
        #expect(!ZMQCurveKeyPair.isKey("too short") && !ZMQCurveKeyPair.isKey(String(repeating: "~", count: 40)))
        #expect(throws: ZMQError.self) { try ZMQCurveKeyPair(secretKey: "not a key") }
    }

    @Test func theAuthenticatorAnswersZAPRequests() throws {
        let allowed = try ZMQCurveKeyPair.generate()
        let other = try ZMQCurveKeyPair.generate()
        let authenticator = ZMQCurveAuthenticator(allowing: [allowed.publicKey], logger: logger)
        func request(_ mechanism: String, _ key: String?) -> ZMQMessage {
            [
                [9], [], Array("1.0".utf8), [7], Array("switchyard".utf8), Array("127.0.0.1".utf8), [],
                Array(mechanism.utf8),
            ] + (key.flatMap(ZMQCurveKeyPair.binary).map { [$0] } ?? [])
        }
        let yes = try #require(authenticator.answer(request("CURVE", allowed.publicKey)))
        #expect(yes.accepted)
        #expect(
            yes.reply == [
                [9], [], Array("1.0".utf8), [7], Array("200".utf8), Array("OK".utf8), Array(allowed.publicKey.utf8), [],
            ])
        let no = try #require(authenticator.answer(request("CURVE", other.publicKey)))
        #expect(!no.accepted && no.reply[4] == Array("400".utf8))
        // NULL or PLAIN peers are refused whatever they say.
        #expect(authenticator.answer(request("NULL", nil))?.accepted == false)
        #expect(authenticator.answer(request("PLAIN", allowed.publicKey))?.accepted == false)
        // Not a ZAP request: nothing to answer.
        #expect(authenticator.answer([[1], [2]]) == nil)
        authenticator.revoke(allowed.publicKey)
        #expect(authenticator.answer(request("CURVE", allowed.publicKey))?.accepted == false)
        #expect(authenticator.allow(other.publicKey) && !authenticator.allow("nope"))
        #expect(authenticator.answer(request("CURVE", other.publicKey))?.accepted == true)
    }

    @Test func namedKeysAreTheUserIDAndTheAllowListCanBeReplaced() throws {
        let (first, second) = try (ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate())
        let authenticator = ZMQCurveAuthenticator(allowing: [first.publicKey: "w1"], logger: logger)
        func request(_ key: String) -> ZMQMessage {
            [[1], [], Array("1.0".utf8), [2], [], [], [], Array("CURVE".utf8), ZMQCurveKeyPair.binary(key)!]
        }
        #expect(authenticator.answer(request(first.publicKey))?.reply[6] == Array("w1".utf8))
        authenticator.replace(allowing: [second.publicKey: "g1"])
        #expect(authenticator.answer(request(first.publicKey))?.accepted == false)
        let answer = try #require(authenticator.answer(request(second.publicKey)))
        #expect(answer.accepted && answer.reply[6] == Array("g1".utf8))
    }

    @Test func aHandshakeWithAKeyNotYetAllowedWaitsForItWithinTheGrace() async throws {
        let logger = self.logger
        let (server, late, stranger) = try (
            ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate()
        )
        try await withDeadline(seconds: 20) {
            let engine = makeEngine()
            let authenticator = ZMQCurveAuthenticator(allowing: [:], grace: .seconds(1), logger: logger)
            let zap = try await authenticator.bind(on: engine)
            let serving = Task { await authenticator.serve(zap, on: engine) }
            var serverOptions = ZMQSocketOptions()
            serverOptions.security = .curveServer(server)
            serverOptions.peerUserIDFrame = true
            let router = try await engine.makeSocket(.router, options: serverOptions, bind: ["tcp://127.0.0.1:*"])
            let endpoint = try await engine.lastEndpoint(router)
            var inbound = engine.messages(of: router).makeAsyncIterator()
            for (keys, name) in [(late, "late"), (stranger, "stranger")] {
                var options = ZMQSocketOptions()
                options.security = .curveClient(keys, serverKey: server.publicKey)
                options.identity = bytes(name)
                let dealer = try await engine.makeSocket(.dealer, options: options, connect: [endpoint])
                engine.send([bytes("from \(name)")], on: dealer)
            }
            // Both wait; then the late key is allowed and its message arrives. The stranger is refused at the end of
            // its grace, and only then.
            while authenticator.waitingCount < 2 { await Task.yield() }
            #expect(authenticator.refused == 0)
            authenticator.allow(late.publicKey, as: "w9")
            let first = await collect(1, from: &inbound).messages
            #expect(first == [[bytes("w9"), bytes("late"), bytes("from late")]])
            while authenticator.refused < 1 { await Task.yield() }
            #expect(authenticator.waitingCount == 0)
            serving.cancel()
            await engine.shutdown()
        }
    }

    @Test func aServerSocketCanSeeWhichKeySentEachMessage() async throws {
        let logger = self.logger
        let (server, friend) = try (ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate())
        try await withDeadline(seconds: 20) {
            let (engine, _, zap) = await Self.engineWithAuthenticator(
                allowing: friend, as: "friend-name", logger: logger)
            var serverOptions = ZMQSocketOptions()
            serverOptions.security = .curveServer(server)
            serverOptions.peerUserIDFrame = true
            let router = try await engine.makeSocket(.router, options: serverOptions, bind: ["tcp://127.0.0.1:*"])
            var inbound = engine.messages(of: router).makeAsyncIterator()
            var friendOptions = ZMQSocketOptions()
            friendOptions.security = .curveClient(friend, serverKey: server.publicKey)
            // The routing id claims another name; the User-Id frame tells the truth.
            friendOptions.identity = bytes("someone-else")
            let dealer = try await engine.makeSocket(
                .dealer, options: friendOptions, connect: [try await engine.lastEndpoint(router)])
            engine.send([bytes("a"), bytes("b")], on: dealer)
            let received = await collect(1, from: &inbound).messages
            #expect(received == [[bytes("friend-name"), bytes("someone-else"), bytes("a"), bytes("b")]])
            zap.cancel()
            await engine.shutdown()
        }
    }

    /// An engine whose ZAP authenticator (letting in `friend` only) is bound, and the task that runs it.
    static func engineWithAuthenticator(allowing friend: ZMQCurveKeyPair, as name: String? = nil, logger: Logger) async
        -> (ZMQEngine, ZMQCurveAuthenticator, Task<Void, any Error>)
    {
        let engine = makeEngine()
        let authenticator = ZMQCurveAuthenticator(
            allowing: [friend.publicKey: name ?? friend.publicKey], logger: logger)
        let (bound, ready) = AsyncStream.makeStream(of: Void.self)
        let zap = Task { try await authenticator.run(on: engine) { ready.yield() } }
        var boundIterator = bound.makeAsyncIterator()
        _ = await boundIterator.next()
        return (engine, authenticator, zap)
    }

    @Test func onlyAllowedKeysReachACurveServer() async throws {
        let logger = self.logger
        let (server, friend, stranger) = try (
            ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate()
        )
        try await withDeadline(seconds: 20) {
            let (engine, authenticator, zap) = await Self.engineWithAuthenticator(allowing: friend, logger: logger)

            var serverOptions = ZMQSocketOptions()
            serverOptions.security = .curveServer(server)
            let router = try await engine.makeSocket(.router, options: serverOptions, bind: ["tcp://127.0.0.1:*"])
            let endpoint = try await engine.lastEndpoint(router)
            var inbound = engine.messages(of: router).makeAsyncIterator()

            // A stranger with a key of its own, a client with no security at all, then the friend.
            var strangerOptions = ZMQSocketOptions()
            strangerOptions.security = .curveClient(stranger, serverKey: server.publicKey)
            strangerOptions.identity = bytes("stranger")
            let strangerSocket = try await engine.makeSocket(.dealer, options: strangerOptions, connect: [endpoint])
            engine.send([bytes("forged")], on: strangerSocket)
            var plainOptions = ZMQSocketOptions()
            plainOptions.identity = bytes("plain")
            let plain = try await engine.makeSocket(.dealer, options: plainOptions, connect: [endpoint])
            engine.send([bytes("forged too")], on: plain)
            var friendOptions = ZMQSocketOptions()
            friendOptions.security = .curveClient(friend, serverKey: server.publicKey)
            friendOptions.identity = bytes("friend")
            let friendSocket = try await engine.makeSocket(.dealer, options: friendOptions, connect: [endpoint])
            engine.send([bytes("hello")], on: friendSocket)

            let first = await collect(1, from: &inbound).messages
            #expect(first == [[bytes("friend"), bytes("hello")]])
            // The stranger's handshake was refused by the authenticator (the plain one by libzmq itself).
            while authenticator.refused < 1 { await Task.yield() }
            // The friend's second message comes after anything the others could have sent: only it arrives.
            engine.send([bytes("again")], on: friendSocket)
            let second = await collect(1, from: &inbound).messages
            #expect(second == [[bytes("friend"), bytes("again")]])
            zap.cancel()
            await engine.shutdown()
        }
    }

    @Test func aSubscriberWithoutAnAllowedKeyReceivesNothing() async throws {
        let logger = self.logger
        let (server, friend, stranger) = try (
            ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate(), ZMQCurveKeyPair.generate()
        )
        try await withDeadline(seconds: 20) {
            let (engine, authenticator, zap) = await Self.engineWithAuthenticator(allowing: friend, logger: logger)
            var pubOptions = ZMQSocketOptions()
            pubOptions.security = .curveServer(server)
            let pub = try await engine.makeSocket(.pub, options: pubOptions, bind: ["tcp://127.0.0.1:*"])
            let endpoint = try await engine.lastEndpoint(pub)
            var strangerOptions = ZMQSocketOptions()
            strangerOptions.security = .curveClient(stranger, serverKey: server.publicKey)
            strangerOptions.subscriptions = [[]]
            let strangerSub = try await engine.makeSocket(.sub, options: strangerOptions, connect: [endpoint])
            let strangerGot = Mutex(0)
            let strangerTask = Task {
                await engine.consume(strangerSub) { batch in strangerGot.withLock { $0 += batch.count } }
            }
            var friendOptions = ZMQSocketOptions()
            friendOptions.security = .curveClient(friend, serverKey: server.publicKey)
            friendOptions.subscriptions = [[]]
            let friendSub = try await engine.makeSocket(.sub, options: friendOptions, connect: [endpoint])
            var inbound = engine.messages(of: friendSub).makeAsyncIterator()
            // Slow joiner: publish until the friend hears one, and until the stranger's handshake was refused.
            let publisher = Task {
                while !Task.isCancelled {
                    engine.send([bytes("news")], on: pub)
                    await Task.yield()
                }
            }
            #expect(await inbound.next() != nil)
            while authenticator.refused < 1 { await Task.yield() }
            publisher.cancel()
            #expect(strangerGot.withLock { $0 } == 0)
            strangerTask.cancel()
            zap.cancel()
            await engine.shutdown()
        }
    }
}

/// The engine-wide `ZMQ_MAXMSGSIZE`.
@Suite struct ZMQMessageSizeTests {
    @Test func aPeerSendingAFrameOverTheLimitIsDisconnectedAndTheRestStillArrives() async throws {
        try await withDeadline(seconds: 20) {
            let engine = ZMQEngine(name: #function, logger: Logger(label: "size"), maxMessageSize: 4096)
            let pull = try await engine.makeSocket(.pull, bind: ["tcp://127.0.0.1:*"])
            let push = try await engine.makeSocket(.push, connect: [try await engine.lastEndpoint(pull)])
            var inbound = engine.messages(of: pull).makeAsyncIterator()
            engine.send([[UInt8](repeating: 1, count: 4096)], on: push)
            let atLimit = await collect(1, from: &inbound).messages
            #expect(atLimit.first?.first?.count == 4096)
            // The oversized frame drops the connection unread; the push socket reconnects and goes on.
            engine.send([[UInt8](repeating: 2, count: 1 << 20)], on: push)
            // Small messages after it (the first may be lost with the dropped connection): whatever arrives before
            // the first of them would have been the big one.
            var received: [[UInt8]] = []
            var round: UInt8 = 0
            while received.last?.first != 3 {
                round &+= 1
                engine.send([[3, round]], on: push)
                received.append(await collect(1, from: &inbound).messages.first?.first ?? [])
            }
            #expect(received.allSatisfy { $0.count <= 4096 })
            await engine.shutdown()
        }
    }
}
