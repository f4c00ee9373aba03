import TestSupport
import Testing
import ZeroMQ

/// Socket patterns through the engine, over `inproc://` and loopback TCP.
@Suite struct ZMQEnginePatternTests {
    @Test(arguments: Transport.allCases)
    func pushPullCarriesMultipartMessagesIncludingEmptyAndLargeFrames(transport: Transport) async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pull = try await engine.makeSocket(.pull, bind: [transport.bindEndpoint()])
            let push = try await engine.makeSocket(.push, connect: [try await engine.lastEndpoint(pull)])
            let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let sent: [ZMQMessage] = [
                [[], large, [1, 2, 3], []],
                [bytes("one")],
                [[]],
                [large, large],
            ]
            var inbound = engine.messages(of: pull).makeAsyncIterator()
            engine.send(sent[0], on: push)
            engine.send(Array(sent[1...]), on: push)
            let received = await collect(sent.count, from: &inbound).messages
            #expect(received == sent)
            await engine.shutdown()
        }
    }

    @Test func messagesHandedOverTogetherReachTheSocketsCoalesceAndASingleOneDoesNot() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pull = try await engine.makeSocket(.pull, bind: [Transport.inproc.bindEndpoint()])
            var options = ZMQSocketOptions()
            // Joins the queued messages' frames into one message, tagged so the test can tell.
            options.coalesce = { queued in [[bytes("joined")] + queued.flatMap { $0 }] }
            let push = try await engine.makeSocket(
                .push, options: options, connect: [try await engine.lastEndpoint(pull)])
            var inbound = engine.messages(of: pull).makeAsyncIterator()
            engine.send([[bytes("a")], [bytes("b")], [bytes("c")]], on: push)
            #expect(
                await collect(1, from: &inbound).messages == [[bytes("joined"), bytes("a"), bytes("b"), bytes("c")]])
            engine.send([bytes("alone")], on: push)
            #expect(await collect(1, from: &inbound).messages == [[bytes("alone")]])
            await engine.shutdown()
        }
    }

    @Test(arguments: Transport.allCases)
    func dealerReachesRouterWithItsIdentityAndRouterReplies(transport: Transport) async throws {
        try await withDeadline {
            let engine = makeEngine()
            let router = try await engine.makeSocket(.router, bind: [transport.bindEndpoint()])
            var options = ZMQSocketOptions()
            options.identity = bytes("client-1")
            let dealer = try await engine.makeSocket(
                .dealer,
                options: options,
                connect: [try await engine.lastEndpoint(router)]
            )
            var atRouter = engine.messages(of: router).makeAsyncIterator()
            var atDealer = engine.messages(of: dealer).makeAsyncIterator()

            engine.send([bytes("hello"), []], on: dealer)
            let request = await collect(1, from: &atRouter).messages
            #expect(request == [[bytes("client-1"), bytes("hello"), []]])

            engine.send([bytes("client-1"), bytes("world")], on: router)
            let reply = await collect(1, from: &atDealer).messages
            #expect(reply == [[bytes("world")]])
            await engine.shutdown()
        }
    }

    @Test(arguments: Transport.allCases)
    func subscriberGetsOnlyItsPrefix(transport: Transport) async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pub = try await engine.makeSocket(.pub, bind: [transport.bindEndpoint()])
            let endpoint = try await engine.lastEndpoint(pub)
            let sub: ZMQSocketID
            if transport == .inproc {
                var options = ZMQSocketOptions()
                options.subscriptions = [bytes("a.")]
                sub = try await engine.makeSocket(.sub, options: options, connect: [endpoint])
            } else {
                sub = try await engine.makeSocket(.sub, connect: [endpoint])
                try await engine.subscribe(sub, to: bytes("a."))
            }
            var inbound = engine.messages(of: sub).makeAsyncIterator()
            // Slow joiner: the subscription reaches the publisher asynchronously, so publish until one lands.
            let publisher = Task {
                var round = 0
                while !Task.isCancelled {
                    engine.send(
                        [[bytes("b.other"), bytes("\(round)")], [bytes("a.mine"), bytes("\(round)")]], on: pub)
                    round += 1
                    await Task.yield()
                }
            }
            let first = await inbound.next() ?? []
            publisher.cancel()
            _ = await publisher.value
            // A tail that must also be filtered, then a marker to know it has all arrived.
            engine.send([[bytes("b.late")], [bytes("a.end")]], on: pub)
            var received = first
            while received.last?.first != bytes("a.end"), let batch = await inbound.next() {
                received += batch
            }
            #expect(!first.isEmpty)
            #expect(received.allSatisfy { $0.first?.starts(with: bytes("a.")) == true })
            #expect(received.last == [bytes("a.end")])

            try await engine.unsubscribe(sub, from: bytes("a."))
            await engine.shutdown()
        }
    }

    @Test(arguments: Transport.allCases)
    func sendBeforeConnectIsQueuedAndDeliveredAfterConnect(transport: Transport) async throws {
        try await withDeadline {
            let engine = makeEngine()
            let dealer = try await engine.makeSocket(.dealer)
            // No peer yet: libzmq answers EAGAIN and the engine keeps these in order.
            engine.send([bytes("first")], on: dealer)
            engine.send([[bytes("second"), []], [bytes("third")]], on: dealer)
            let router = try await engine.makeSocket(.router, bind: [transport.bindEndpoint()])
            var inbound = engine.messages(of: router).makeAsyncIterator()
            try await engine.connect(dealer, to: try await engine.lastEndpoint(router))
            let received = await collect(3, from: &inbound).messages
            #expect(
                received.map { Array($0.dropFirst()) } == [[bytes("first")], [bytes("second"), []], [bytes("third")]])
            #expect(engine.droppedOutbound == 0)
            await engine.shutdown()
        }
    }

    @Test func inboundMessagesArriveInOrderAndInBatches() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pull = try await engine.makeSocket(.pull, bind: [Transport.inproc.bindEndpoint()])
            let push = try await engine.makeSocket(.push, connect: [try await engine.lastEndpoint(pull)])
            let count = 10_000
            for index in 0..<count / 2 {
                engine.send([withUnsafeBytes(of: UInt32(index)) { Array($0) }], on: push)
            }
            engine.send((count / 2..<count).map { [withUnsafeBytes(of: UInt32($0)) { Array($0) }] }, on: push)
            var inbound = engine.messages(of: pull).makeAsyncIterator()
            let (received, batches) = await collect(count, from: &inbound)
            let indices = received.map { frames in frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
            #expect(indices == (0..<UInt32(count)).map { $0 })
            #expect(batches < count)
            await engine.shutdown()
        }
    }

    @Test func lastEndpointResolvesTheChosenPort() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let socket = try await engine.makeSocket(.router, bind: ["tcp://127.0.0.1:*"])
            let endpoint = try await engine.lastEndpoint(socket)
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
            let port = Int(endpoint.split(separator: ":").last ?? "") ?? 0
            #expect(port > 0 && port < 65_536)
            await engine.shutdown()
        }
    }
}
