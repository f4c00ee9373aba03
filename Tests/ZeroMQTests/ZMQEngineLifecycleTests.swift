import TestSupport
import Testing
import ZeroMQ

/// Errors, limits, closing and shutdown.
@Suite struct ZMQEngineLifecycleTests {
    @Test func invalidEndpointsThrowZMQErrorWithCode() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let socket = try await engine.makeSocket(.pull)
            let unknownTransport = await #expect(throws: ZMQError.self) {
                try await engine.bind(socket, to: "bogus://nowhere")
            }
            #expect(unknownTransport?.code == ZMQError.Code.protocolNotSupported)
            #expect(unknownTransport?.operation.contains("bogus://nowhere") == true)

            let malformed = await #expect(throws: ZMQError.self) {
                _ = try await engine.makeSocket(.pull, bind: ["tcp://not an address"])
            }
            #expect((malformed?.code ?? 0) != 0)

            let wrongSocketType = await #expect(throws: ZMQError.self) {
                var options = ZMQSocketOptions()
                options.subscriptions = [bytes("x")]
                _ = try await engine.makeSocket(.push, options: options)
            }
            #expect(wrongSocketType?.code == ZMQError.Code.invalidArgument)
            await engine.shutdown()
        }
    }

    @Test func closedSocketsRefuseOperationsAndFinishTheirStream() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let socket = try await engine.makeSocket(.pull, bind: [Transport.inproc.bindEndpoint()])
            let stream = engine.messages(of: socket)
            await engine.close(socket)
            for await _ in stream {}  // finishes rather than hanging
            let error = await #expect(throws: ZMQError.self) {
                try await engine.connect(socket, to: "inproc://anything")
            }
            #expect(error?.isNotSocket == true)
            engine.send([bytes("lost")], on: socket)
            _ = try await engine.makeSocket(.pull)  // every command is ordered, so the send above was handled
            #expect(engine.droppedOutbound == 1)
            await engine.shutdown()
        }
    }

    @Test func outboundQueueLimitDropsAndCounts() async throws {
        try await withDeadline {
            let engine = makeEngine(outboundQueueLimit: 10)
            let dealer = try await engine.makeSocket(.dealer)  // no peer: every send waits
            for index in 0..<25 {
                engine.send([bytes("\(index)")], on: dealer)
            }
            _ = try await engine.lastEndpoint(dealer)  // a barrier behind the sends
            #expect(engine.droppedOutbound == 15)
            await engine.shutdown()
            #expect(engine.droppedOutbound == 25)
        }
    }

    @Test func mandatoryRouterCountsUnroutableMessages() async throws {
        try await withDeadline {
            let engine = makeEngine()
            var options = ZMQSocketOptions()
            options.routerMandatory = true
            let router = try await engine.makeSocket(.router, options: options, bind: [Transport.inproc.bindEndpoint()])
            engine.send([bytes("nobody"), bytes("hello")], on: router)
            _ = try await engine.lastEndpoint(router)
            #expect(engine.droppedOutbound == 1)
            await engine.shutdown()
        }
    }

    @Test func shutdownCompletesWithUndeliveredMessagesQueued() async throws {
        try await withDeadline {
            let engine = makeEngine()
            var options = ZMQSocketOptions()
            options.lingerMilliseconds = 50
            let dealer = try await engine.makeSocket(.dealer, options: options)
            let push = try await engine.makeSocket(.push, options: options, connect: ["tcp://127.0.0.1:1"])
            let pull = try await engine.makeSocket(.pull, bind: [Transport.inproc.bindEndpoint()])
            let stream = engine.messages(of: pull)
            for index in 0..<100 {
                engine.send([bytes("\(index)")], on: dealer)
                engine.send([bytes("\(index)")], on: push)  // accepted by libzmq, lost at linger
            }
            await engine.shutdown()
            for await _ in stream {}  // streams finish at shutdown
            #expect(engine.droppedOutbound == 100)

            await engine.shutdown()  // idempotent
            let error = await #expect(throws: ZMQError.self) {
                _ = try await engine.makeSocket(.pull)
            }
            #expect(error?.isTerminated == true)
            engine.send([bytes("late")], on: dealer)
            #expect(engine.droppedOutbound == 101)
            for await _ in engine.messages(of: pull) {}
        }
    }

    @Test func concurrentShutdownCallsAllReturn() async throws {
        try await withDeadline {
            let engine = makeEngine()
            _ = try await engine.makeSocket(.pub, bind: [Transport.inproc.bindEndpoint()])
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { await engine.shutdown() }
                }
            }
        }
    }

    @Test func twoEnginesInOneProcessTalkOverTCP() async throws {
        try await withDeadline {
            let left = makeEngine("left")
            let right = makeEngine("right")
            let leftRouter = try await left.makeSocket(.router, bind: ["tcp://127.0.0.1:*"])
            var options = ZMQSocketOptions()
            options.identity = bytes("right")
            let rightDealer = try await right.makeSocket(
                .dealer,
                options: options,
                connect: [try await left.lastEndpoint(leftRouter)]
            )
            var atLeft = left.messages(of: leftRouter).makeAsyncIterator()
            var atRight = right.messages(of: rightDealer).makeAsyncIterator()
            for round in 0..<3 {
                right.send([bytes("ping \(round)")], on: rightDealer)
                #expect(await collect(1, from: &atLeft).messages == [[bytes("right"), bytes("ping \(round)")]])
                left.send([bytes("right"), bytes("pong \(round)")], on: leftRouter)
                #expect(await collect(1, from: &atRight).messages == [[bytes("pong \(round)")]])
            }
            await right.shutdown()
            await left.shutdown()
        }
    }
}
