import Synchronization
import TestSupport
import Testing
import ZeroMQ

/// `consume(_:handler:)`: batches handled on the I/O thread, in order, until close, shutdown or cancellation.
@Suite struct ZMQEngineConsumeTests {
    /// Forwards what the handler sees to the test, so it can wait for it.
    final class Sink: Sendable {
        let stream: AsyncStream<[ZMQMessage]>
        private let continuation: AsyncStream<[ZMQMessage]>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
        func handle(_ batch: [ZMQMessage]) { continuation.yield(batch) }
    }

    @Test(arguments: Transport.allCases)
    func handlerSeesEveryMessageInOrderAndConsumeEndsWhenTheSocketCloses(transport: Transport) async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pull = try await engine.makeSocket(.pull, bind: [transport.bindEndpoint()])
            let push = try await engine.makeSocket(.push, connect: [try await engine.lastEndpoint(pull)])
            let sink = Sink()
            let consumer = Task { await engine.consume(pull) { sink.handle($0) } }
            let sent = (0..<500).map { [bytes("m\($0)"), [UInt8(truncatingIfNeeded: $0)]] }
            engine.send(Array(sent[..<250]), on: push)
            for message in sent[250...] { engine.send(message, on: push) }
            var inbound = sink.stream.makeAsyncIterator()
            #expect(await collect(sent.count, from: &inbound).messages == sent)
            await engine.close(pull)
            await consumer.value  // returns: the socket is closed
            await engine.shutdown()
        }
    }

    @Test func cancellationEndsConsumeAndNothingIsHandledAfterIt() async throws {
        try await withDeadline {
            let engine = makeEngine()
            let pull = try await engine.makeSocket(.pull, bind: ["inproc://consume-cancel"])
            let push = try await engine.makeSocket(.push, connect: ["inproc://consume-cancel"])
            let sink = Sink()
            let afterCancel = Mutex(false)
            let handledLate = Mutex(0)
            let consumer = Task {
                await engine.consume(pull) { batch in
                    if afterCancel.withLock({ $0 }) { handledLate.withLock { $0 += batch.count } }
                    sink.handle(batch)
                }
            }
            var inbound = sink.stream.makeAsyncIterator()
            engine.send([bytes("before")], on: push)
            #expect(await collect(1, from: &inbound).messages == [[bytes("before")]])
            consumer.cancel()
            await consumer.value
            afterCancel.withLock { $0 = true }
            engine.send([bytes("after")], on: push)
            // A round trip through a second socket pair gives the engine its chance to read "after" first.
            let probePull = try await engine.makeSocket(.pull, bind: ["inproc://consume-probe"])
            let probePush = try await engine.makeSocket(.push, connect: ["inproc://consume-probe"])
            var probe = engine.messages(of: probePull).makeAsyncIterator()
            engine.send([bytes("probe")], on: probePush)
            _ = await collect(1, from: &probe)
            #expect(handledLate.withLock { $0 } == 0)
            await engine.shutdown()
        }
    }

    /// A handler that answers on the I/O thread (as a worker answers a read) does not signal the engine's eventfd;
    /// the loop must send what it queued before it polls again. 200 rounds, each waiting on the previous answer:
    /// an answer left queued would stall the exchange until the deadline.
    @Test func sendsQueuedByTheHandlerOnTheIOThreadLeaveInTheSameWakeUp() async throws {
        try await withDeadline {
            let server = makeEngine()
            let client = makeEngine()
            let router = try await server.makeSocket(.router, bind: ["tcp://127.0.0.1:*"])
            let dealer = try await client.makeSocket(.dealer, connect: [try await server.lastEndpoint(router)])
            let echo = Task {
                await server.consume(router) { batch in
                    for message in batch { server.send([message[0], bytes("re:")] + message.dropFirst(), on: router) }
                }
            }
            var replies = client.messages(of: dealer).makeAsyncIterator()
            for round in 0..<200 {
                client.send([bytes("r\(round)")], on: dealer)
                let answer = await collect(1, from: &replies).messages
                #expect(answer == [[bytes("re:"), bytes("r\(round)")]])
            }
            echo.cancel()
            await echo.value
            await client.shutdown()
            await server.shutdown()
        }
    }
}
