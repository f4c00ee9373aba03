import NIOCore
import NIOWebSocket
import Synchronization

/// What the admin connection counted.
struct LobbyAdminStatistics: Sendable {
    /// Changes sent (numbers 0 ..< sent).
    var sent: UInt64 = 0
    /// Of those, the ones sent inside the measured window.
    var measured: UInt64 = 0
    /// Largest delay between a change's due time and its send, in nanoseconds (the client's own lateness).
    var maxLatenessNanos: UInt64 = 0
    /// Changes sent more than 1 ms after they were due.
    var lateOverOneMs: UInt64 = 0
    /// Replies other than `login_successful` (`update_failed`, `invalid_message`, …), and the first of them.
    var errors: UInt64 = 0
    var firstError: String?
    /// The close code, when the server closed the admin's connection before the end (0: no close frame).
    var closedWith: UInt16?
}

/// Where the admin's handler leaves its counts (readable after its channel closed).
final class LobbyAdminSlot: Sendable {
    private let value = Mutex(LobbyAdminStatistics())

    /// Creates an empty slot.
    init() {}

    /// Changes the counts.
    func update(_ body: (inout LobbyAdminStatistics) -> Void) { value.withLock { body(&$0) } }

    /// The counts so far.
    var statistics: LobbyAdminStatistics { value.withLock { $0 } }
}

/// The admin: logs in, then, once started, sends change n (an `update_table`, see ``LobbyChange``) at
/// `schedule.due(n)` until `schedule.measureEnd`, catching up at once when the loop was late. Confined to its
/// channel's event loop; the runner reaches it with `syncOperations.handler(type:)`.
final class LobbyAdminHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private static let headroom = 14

    private enum Phase {
        case loggingIn
        case ready
        case running(LobbyLoadSchedule)
        case finished
    }

    private let tableID: Int64
    private let login: String
    private let slot: LobbyAdminSlot
    private let loggedIn: EventLoopPromise<Void>
    private var random = SplitMix64(seed: 0xAD41_0000)
    private var phase = Phase.loggingIn
    private var context: ChannelHandlerContext?
    private var next: UInt64 = 0
    private var timer: Scheduled<Void>?

    /// Creates the admin: it sends `login` and completes `loggedIn` on `login_successful`.
    init(tableID: Int64, login: String, slot: LobbyAdminSlot, loggedIn: EventLoopPromise<Void>) {
        self.tableID = tableID
        self.login = login
        self.slot = slot
        self.loggedIn = loggedIn
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        write(text: login, context: context)
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Starts sending changes on `schedule`.
    func start(_ schedule: LobbyLoadSchedule) {
        guard case .ready = phase else { return }
        phase = .running(schedule)
        tick()
    }

    /// Stops sending.
    func stop() {
        phase = .finished
        timer?.cancel()
        timer = nil
    }

    /// Sends a masked close frame (1000) and closes the connection.
    func close() {
        guard let context else { return }
        stop()
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(using: &random), data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func tick() {
        timer = nil
        guard case .running(let schedule) = phase, let context else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        var sentAny = false
        while schedule.due(next) <= now && schedule.due(next) < schedule.measureEnd {
            let due = schedule.due(next)
            let sentAt = NIODeadline.now().uptimeNanoseconds
            var buffer = context.channel.allocator.buffer(capacity: Self.headroom + 128)
            buffer.moveWriterIndex(forwardBy: Self.headroom)
            buffer.moveReaderIndex(forwardBy: Self.headroom)
            LobbyChange.writeUpdate(tableID: tableID, number: next, sentNanos: sentAt, into: &buffer)
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
            context.write(wrapOutboundOut(frame), promise: nil)
            let late = sentAt > due ? sentAt - due : 0
            let measured = sentAt >= schedule.measureStart && sentAt < schedule.measureEnd
            slot.update { statistics in
                statistics.sent += 1
                if measured { statistics.measured += 1 }
                statistics.maxLatenessNanos = max(statistics.maxLatenessNanos, late)
                if late > 1_000_000 { statistics.lateOverOneMs += 1 }
            }
            next += 1
            sentAny = true
        }
        if sentAny { context.flush() }
        let due = schedule.due(next)
        guard due < schedule.measureEnd else {
            phase = .finished
            return
        }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: NIODeadline.uptimeNanoseconds(due)) {
            self.tick()
        }
    }

    private func write(text: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Self.headroom + text.utf8.count)
        buffer.moveWriterIndex(forwardBy: Self.headroom)
        buffer.moveReaderIndex(forwardBy: Self.headroom)
        buffer.writeString(text)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
        context.write(wrapOutboundOut(frame), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let inbound = LobbyMessageScanner.scan(frame.unmaskedData)
            if case .loginSuccessful = inbound, case .loggingIn = phase {
                phase = .ready
                loggedIn.succeed()
                return
            }
            let text = String(String(buffer: frame.unmaskedData).prefix(200))
            slot.update { statistics in
                statistics.errors += 1
                if statistics.firstError == nil { statistics.firstError = text }
            }
            if case .loggingIn = phase {
                phase = .finished
                loggedIn.fail(LobbyLoadError("admin login answered \(text)"))
            }
        case .ping:
            let pong = WebSocketFrame(
                fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var payload = frame.unmaskedData
            ended(code: payload.readInteger(as: UInt16.self) ?? 0)
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended(code: 0)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ended(code: 0)
        context.close(promise: nil)
    }

    private func ended(code: UInt16) {
        switch phase {
        case .loggingIn:
            loggedIn.fail(LobbyLoadError("the admin's connection closed before login_successful (close code \(code))"))
        case .ready, .running:
            slot.update { $0.closedWith = $0.closedWith ?? code }
        case .finished:
            break
        }
        phase = .finished
        timer?.cancel()
        timer = nil
    }
}
