import Fleet
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Steps
import Synchronization
import Testing
import Wire

@testable import Gateway
@testable import GatewayCore
@testable import GatewaySteps

/// A fleet that records commands and answers them when the test says so.
final class FakeFleet: FleetRequester {
    let counters = ProcessCounters()
    private let pending = Mutex<[(username: String, body: [UInt8], completion: FleetClient.Completion)]>([])

    func request(
        product: ProductCode, key: String, partition: UInt16?, body: [UInt8], idempotent: Bool, timeout: Duration?,
        completion: @escaping FleetClient.Completion
    ) {
        pending.withLock { $0.append((key, body, completion)) }
    }

    /// Commands sent and not answered yet, oldest first.
    var waiting: [String] { pending.withLock { $0.map(\.username) } }

    /// The encoded commands sent and not answered yet, oldest first.
    var waitingBodies: [[UInt8]] { pending.withLock { $0.map(\.body) } }

    /// Answers the oldest `n` commands as applied.
    func acknowledge(_ n: Int) {
        let due = pending.withLock { pending in
            defer { pending.removeFirst(min(n, pending.count)) }
            return pending.prefix(n).map(\.completion)
        }
        for completion in due { completion(.success(StepsReply.updated(duplicate: false).encoded())) }
    }

    /// Answers the oldest command with `result`.
    func answer(_ result: Result<[UInt8], FleetRequestError>) {
        let first = pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        first?.completion(result)
    }
}

/// Counts the read requests that reach the head of the pipeline (the channel's own `read()`).
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct StepsWebSocketChannelHandlerTests {
    struct Harness {
        let channel: EmbeddedChannel
        let fleet: FakeFleet
        let reads: ReadCounter
        let drain: WebSocketDrain

        init(acks: Bool = true, maxInFlight: Int = 4, rate: Int = 0) throws {
            fleet = FakeFleet()
            reads = ReadCounter()
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            drain = WebSocketDrain(timeout: .seconds(1), logger: logger)
            channel = EmbeddedChannel()
            let settings = StepsWebSocketChannelHandler.Settings(
                fleet: fleet, validator: StepsValidator(), maxMessageSize: 1024, maxInFlight: maxInFlight,
                updateTimeout: .seconds(30), drain: drain, messagesPerSecond: rate, logger: logger)
            try channel.pipeline.syncOperations.addHandler(reads)
            try channel.pipeline.syncOperations.addHandler(
                StepsWebSocketChannelHandler(settings: settings, acks: acks, eventLoop: channel.eventLoop))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        func send(_ text: String) throws {
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        }

        func update(_ id: Int, user: String = "u") throws {
            try send(#"{"update_id":"\#(id)","username":"\#(user)","ts":1,"newSteps":1}"#)
        }

        /// Runs what the fleet's answers scheduled on the event loop, and returns the text frames written.
        func written() throws -> [String] {
            channel.embeddedEventLoop.run()
            var texts: [String] = []
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
                texts.append(String(buffer: frame.unmaskedData))
            }
            return texts
        }
    }

    @Test func everyUpdateGoesToTheFleetAndItsAckComesBackInOrder() throws {
        let h = try Harness()
        try h.update(1)
        try h.update(2, user: "v")
        #expect(h.fleet.waiting == ["u", "v"])
        #expect(try h.written().isEmpty)
        h.fleet.acknowledge(2)
        #expect(
            try h.written() == [
                #"{"$type":"ack","update_id":"1"}"#, #"{"$type":"ack","update_id":"2"}"#,
            ])
    }

    @Test func atTheInFlightLimitTheConnectionIsNotReadUntilAnAckFreesASlot() throws {
        let h = try Harness(maxInFlight: 2)
        for id in 1...4 { try h.update(id) }
        // Two went out; two wait in the handler, and no read is asked of the socket meanwhile.
        #expect(h.fleet.waiting.count == 2)
        let before = h.reads.reads
        h.channel.read()
        #expect(h.reads.reads == before)
        h.fleet.acknowledge(1)
        _ = try h.written()
        #expect(h.fleet.waiting.count == 2)
        h.fleet.acknowledge(2)
        _ = try h.written()
        #expect(h.fleet.waiting.count == 1)
        h.fleet.acknowledge(1)
        #expect(try h.written().count == 1)
        // Nothing waits any more: the read that was held back goes through.
        #expect(h.reads.reads == before + 1)
    }

    @Test func invalidUpdatesAreRejectedWithAcksAndIgnoredWithout() throws {
        let withAcks = try Harness()
        try withAcks.send(#"{"update_id":"x","username":"u","ts":1,"newSteps":-1}"#)
        #expect(try withAcks.written() == [#"{"$type":"rejected","update_id":"x","error":"newSteps must be >= 0"}"#])
        #expect(withAcks.fleet.waiting.isEmpty)
        let without = try Harness(acks: false)
        try without.send("not json")
        try without.update(1)
        without.fleet.acknowledge(1)
        #expect(try without.written().isEmpty)
    }

    @Test func messagesPastTheRateWaitForTheirTokenAndAreCounted() throws {
        let h = try Harness(rate: 2)
        for id in 1...3 { try h.update(id) }
        // A burst of two is allowed; the third waits for its token (half a second at 2/s).
        #expect(h.fleet.waiting.count == 2)
        #expect(h.fleet.counters.value(of: .rateLimited) == 1)
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(600))
        #expect(h.fleet.waiting.count == 3)
    }
}
