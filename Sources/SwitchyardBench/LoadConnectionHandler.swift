import NIOCore
import NIOWebSocket

/// One load connection after the upgrade: keeps up to `window` updates in flight, matches acks to them and
/// records send→ack latency. Confined to its channel's event loop; the runner reaches it with
/// `syncOperations.handler(type:)` from that loop.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Room left before each payload so the frame encoder can prepend the header in place.
    private static let headroom = 14

    private enum Phase {
        case idle
        case running(LoadSchedule)
        case finished
    }

    private let connection: UInt16
    private let window: Int
    private let formatter: UpdateFormatter
    private let scanner: ReplyScanner
    private let slot: StatisticsSlot
    private var random: SplitMix64
    private var phase = Phase.idle
    private var context: ChannelHandlerContext?
    /// Sequence number → monotonic send time of every update in flight.
    private var inFlight: [UInt64: UInt64]
    private var nextSequence: UInt64 = 0
    private var needsFlush = false
    private var statistics = ConnectionStatistics()

    /// Creates connection number `connection` of run `run`, which leaves its counts in `slot`.
    init(run: UInt32, connection: UInt16, window: Int, users: Int, slot: StatisticsSlot) {
        self.connection = connection
        self.slot = slot
        self.window = window
        formatter = UpdateFormatter(run: run, connection: connection, users: users)
        scanner = ReplyScanner(run: run)
        random = SplitMix64(seed: UInt64(run) << 32 | UInt64(connection))
        inFlight = Dictionary(minimumCapacity: window * 2)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Starts sending: fills the window at once, then sends one update per ack until `schedule.measureEnd`.
    func start(_ schedule: LoadSchedule) {
        guard case .idle = phase, let context else { return }
        phase = .running(schedule)
        let now = NIODeadline.now().uptimeNanoseconds
        for _ in 0..<window { send(context: context, schedule: schedule, now: now) }
        context.flush()
    }

    /// Stops sending and publishes what was counted; in-flight updates are reported as unacknowledged.
    func finish() {
        phase = .finished
        publish()
    }

    private func publish() {
        let now = NIODeadline.now().uptimeNanoseconds
        statistics.inFlightAtEnd = UInt64(inFlight.count)
        statistics.oldestInFlightNanos = inFlight.values.min().map { now &- $0 } ?? 0
        slot.publish(statistics)
    }

    /// Sends a masked close frame (1000) and closes the connection.
    func close() {
        guard let context else { return }
        phase = .finished
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(using: &random), data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            received(frame.unmaskedData, context: context)
        case .ping:
            let pong = WebSocketFrame(
                fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData)
            context.write(wrapOutboundOut(pong), promise: nil)
            needsFlush = true
        case .connectionClose:
            if case .running = phase {
                statistics.disconnects += 1
                phase = .finished
                publish()
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .running = phase {
            statistics.disconnects += 1
            phase = .finished
            publish()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .running = phase {
            statistics.disconnects += 1
            phase = .finished
            publish()
        }
        context.close(promise: nil)
    }

    private func received(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        let id: UpdateID
        switch scanner.scan(payload) {
        case .ack(let acked):
            id = acked
        case .rejected(let rejected):
            statistics.rejected += 1
            // A rejected update leaves the window too, or the connection would stall.
            guard let rejected, rejected.connection == connection,
                inFlight.removeValue(forKey: rejected.sequence) != nil
            else { return }
            sendNext(context: context, now: now)
            return
        case .other:
            statistics.unknownReplies += 1
            return
        }
        guard id.connection == connection, let sentAt = inFlight.removeValue(forKey: id.sequence) else {
            statistics.unmatchedAcks += 1
            return
        }
        statistics.acked += 1
        guard case .running(let schedule) = phase else { return }
        if now >= schedule.measureStart && now < schedule.measureEnd {
            statistics.measuredAcks += 1
            statistics.latency.record(micros: (now &- sentAt) / 1000)
        }
        sendNext(context: context, now: now)
    }

    private func sendNext(context: ChannelHandlerContext, now: UInt64) {
        guard case .running(let schedule) = phase, now < schedule.measureEnd else { return }
        send(context: context, schedule: schedule, now: now)
        needsFlush = true
    }

    private func send(context: ChannelHandlerContext, schedule: LoadSchedule, now: UInt64) {
        let sequence = nextSequence
        nextSequence += 1
        var buffer = context.channel.allocator.buffer(capacity: Self.headroom + UpdateFormatter.maxLength)
        buffer.moveWriterIndex(forwardBy: Self.headroom)
        buffer.moveReaderIndex(forwardBy: Self.headroom)
        let timestampMs = schedule.wallBaseMs + (now &- schedule.monotonicBase) / 1_000_000
        formatter.write(sequence: sequence, timestampMs: timestampMs, into: &buffer)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
        inFlight[sequence] = now
        statistics.sent += 1
        context.write(wrapOutboundOut(frame), promise: nil)
    }
}
