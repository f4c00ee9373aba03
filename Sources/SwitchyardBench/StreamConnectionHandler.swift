import NIOCore
import NIOWebSocket

/// One stream connection after the upgrade: writes its block of updates as fast as the socket takes them, never
/// holding more than the channel's write-buffer high-water mark in the client, and reports when the last one was
/// written. Nothing is acknowledged, so nothing is read back but pings and a close. Confined to its channel's event
/// loop; the runner reaches it with `syncOperations.handler(type:)` from that loop.
final class StreamConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Room left before each payload so the frame encoder can prepend the header in place.
    private static let headroom = 14
    /// Updates written in one turn of the event loop before it yields to the other connections on it, so one
    /// connection whose socket keeps taking bytes does not starve the rest.
    private static let framesPerTurn = 512

    private enum Phase {
        case idle
        case sending
        case written
        case finished
    }

    private let formatter: StreamUpdateFormatter
    private let slot: StreamStatisticsSlot
    private let allWritten: EventLoopPromise<UInt64>
    /// Global index of this connection's first update, and how many it sends.
    private let firstUpdate: Int
    private let count: Int
    private let users: Int
    private let steps: UInt64
    private var random: SplitMix64
    private var phase = Phase.idle
    private var context: ChannelHandlerContext?
    private var next = 0
    private var pumping = false
    private var wallBaseMs: UInt64 = 0
    private var monotonicBase: UInt64 = 0
    private var statistics = StreamConnectionStatistics()

    /// Creates connection number `connection` of run `run`, which sends `count` updates starting at global index
    /// `firstUpdate` (user `index % users`, `steps` each), leaves its counts in `slot` and completes `allWritten`
    /// with the monotonic time its last update was written, or fails it if the connection ends before.
    init(
        run: UInt32, connection: UInt16, firstUpdate: Int, count: Int, users: Int, steps: Int,
        slot: StreamStatisticsSlot, allWritten: EventLoopPromise<UInt64>
    ) {
        formatter = StreamUpdateFormatter(run: run, connection: connection)
        self.firstUpdate = firstUpdate
        self.count = count
        self.users = max(users, 1)
        self.steps = UInt64(steps)
        self.slot = slot
        self.allWritten = allWritten
        random = SplitMix64(seed: UInt64(run) << 32 | UInt64(connection))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        ended()
    }

    /// Starts writing; `wallBaseMs` is the wall clock at monotonic time `monotonicBase`, for the updates' `ts`.
    func start(wallBaseMs: UInt64, monotonicBase: UInt64) {
        guard case .idle = phase, context != nil else { return }
        self.wallBaseMs = wallBaseMs
        self.monotonicBase = monotonicBase
        phase = .sending
        if count == 0 {
            phase = .written
            allWritten.succeed(NIODeadline.now().uptimeNanoseconds)
            return
        }
        pump()
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // During our own flush the loop in `pump` sees the change itself.
        if context.channel.isWritable && !pumping { pump() }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            let pong = WebSocketFrame(
                fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var payload = frame.unmaskedData
            statistics.closeCode = payload.readInteger(as: UInt16.self)
            ended()
            context.close(promise: nil)
        case .text, .binary, .continuation:
            statistics.unexpectedFrames += 1
            publish()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ended()
        context.close(promise: nil)
    }

    /// The connection is going away: counts it as a disconnect unless the run had already finished with it.
    private func ended() {
        switch phase {
        case .idle, .sending, .written:
            statistics.disconnects += 1
            let finished = phase
            phase = .finished
            publish()
            if case .written = finished { return }
            allWritten.fail(
                StreamError.disconnected(
                    "a connection closed after \(statistics.sent) of its \(count) updates"
                        + (statistics.closeCode.map { " (close code \($0))" } ?? "")))
        case .finished:
            publish()
        }
    }

    private func publish() {
        let statistics = statistics
        slot.update { $0 = statistics }
    }

    /// Writes updates while the channel is writable, flushing whenever it fills, for at most one turn.
    private func pump() {
        guard case .sending = phase, let context, !pumping, next < count else { return }
        pumping = true
        defer { pumping = false }
        let channel = context.channel
        var turn = 0
        while next < count && turn < Self.framesPerTurn {
            if !channel.isWritable {
                // Over the high-water mark: hand the kernel what it takes; if it is full, wait for writability.
                context.flush()
                if !channel.isWritable {
                    statistics.writabilityWaits += 1
                    publish()
                    return
                }
            }
            write(context: context, last: next == count - 1)
            turn += 1
        }
        context.flush()
        publish()
        if next < count && channel.isWritable {
            context.eventLoop.assumeIsolated().execute { self.pump() }
        }
    }

    private func write(context: ChannelHandlerContext, last: Bool) {
        let index = firstUpdate + next
        let now = NIODeadline.now().uptimeNanoseconds
        var buffer = context.channel.allocator.buffer(capacity: Self.headroom + StreamUpdateFormatter.maxLength)
        buffer.moveWriterIndex(forwardBy: Self.headroom)
        buffer.moveReaderIndex(forwardBy: Self.headroom)
        formatter.write(
            sequence: UInt64(next), user: UInt64(index % users),
            timestampMs: wallBaseMs + (now &- monotonicBase) / 1_000_000, steps: steps, into: &buffer)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
        next += 1
        statistics.sent += 1
        guard last else {
            context.write(wrapOutboundOut(frame), promise: nil)
            return
        }
        // Writes complete in order, so the last one completing means the kernel took every update.
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { result in
            guard case .success = result, case .sending = self.phase else { return }
            let writtenAt = NIODeadline.now().uptimeNanoseconds
            self.phase = .written
            self.statistics.lastWrittenNanos = writtenAt
            self.publish()
            self.allWritten.succeed(writtenAt)
        }
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}
