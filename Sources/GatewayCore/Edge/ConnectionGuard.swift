import Fleet
import Logging
package import NIOCore
import NIOHTTP1
import Wire

/// The first handler of every client connection on every port (docs/operations.md, "Client limits"): it holds the
/// connection's slot in the gateway's connection budget, enforces the header, body, idle and WebSocket liveness
/// deadlines, refuses unmasked WebSocket client frames, and writes the answers the stacks above it cannot (408,
/// 503, the JSON body of a malformed request's 400/431). It sees raw bytes; the `HTTPPhaseObserver` behind the HTTP
/// decoder tells it where requests and responses begin and end.
package final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    package typealias OutboundIn = IOData
    package typealias OutboundOut = ByteBuffer

    private let policy: EdgePolicy
    /// The state counter of open connections of the product this port serves, if any.
    private let connections: EdgeCounter?
    private let webSocketLiveness: Bool
    private var deadlines: ConnectionDeadlines
    /// Whether this connection holds a slot of the budget.
    private var admitted = false
    private var lingering = false
    /// Set once the guard has given up on the connection: later bytes are dropped.
    private var closing = false
    private var timer: Scheduled<Void>?
    private var timerAt = Int64.max
    private var scanning = false
    private var scanner = WebSocketMaskScanner()
    /// The newest bytes read before an upgrade: frames a client sent right behind its upgrade request are in them.
    private var lastRead: ByteBuffer?
    /// An unmasked frame arrived with the upgrade request: refused right after the 101 goes out.
    private var refuseAfterUpgradeResponse = false
    private var context: ChannelHandlerContext?
    /// The observer behind the HTTP decoder, removed on upgrade (frames must not reach a handler typed for HTTP).
    var observer: HTTPPhaseObserver?

    /// A guard for one connection; `webSocketLiveness` makes it ping upgraded connections itself (off where the
    /// protocol has its own heartbeat, as Engine.IO does).
    init(policy: EdgePolicy, webSocketLiveness: Bool, connections: EdgeCounter? = nil) {
        self.connections = connections
        self.policy = policy
        self.webSocketLiveness = webSocketLiveness
        self.deadlines = ConnectionDeadlines(
            limits: policy.limits, webSocketLiveness: webSocketLiveness, openedAt: monotonicNanoseconds())
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        giveBack()
        self.context = nil
    }

    package func channelActive(context: ChannelHandlerContext) {
        if policy.isOverloaded {
            policy.countShed()
            context.fireChannelActive()
            answerAndClose(context, 503, "Service Unavailable", "server overloaded; try again later")
        } else if policy.admit(connections) {
            admitted = true
            deadlines = ConnectionDeadlines(
                limits: policy.limits, webSocketLiveness: webSocketLiveness, openedAt: monotonicNanoseconds())
            armTimer(context)
            context.fireChannelActive()
        } else {
            policy.counters.add(.connectionRefused)
            context.fireChannelActive()
            answerAndClose(
                context, 503, "Service Unavailable",
                "the server is at its connection limit (\(policy.maxConnections)); try again later")
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        giveBack()
        context.fireChannelInactive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closing { return }
        let buffer = unwrapInboundIn(data)
        deadlines.received(at: monotonicNanoseconds())
        if scanning {
            let masked = buffer.withUnsafeReadableBytes { scanner.scan($0) }
            guard masked else {
                refuseUnmasked(context)
                return
            }
        } else if !deadlines.upgraded {
            lastRead = buffer
        }
        armTimer(context)
        context.fireChannelRead(data)
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        // The first write after the upgrade was accepted is the 101: the close must follow it, not precede it.
        if refuseAfterUpgradeResponse {
            refuseAfterUpgradeResponse = false
            refuseUnmasked(context)
        }
    }

    // MARK: - What the observer reports

    func requestHead() {
        deadlines.requestHead(at: monotonicNanoseconds())
        if let context { armTimer(context) }
    }

    func requestEnd() {
        deadlines.requestEnd(at: monotonicNanoseconds())
        lastRead = nil
    }

    func responseHead() { deadlines.responseHead(at: monotonicNanoseconds()) }

    func responseEnd() {
        deadlines.responseEnd(at: monotonicNanoseconds())
        if let context { armTimer(context) }
    }

    /// The HTTP decoder failed: answer with the error's status and the JSON body, then close.
    func malformed(_ error: HTTPParserError) {
        guard let context, !closing else { return }
        policy.counters.add(.malformedRequest)
        guard deadlines.canRespond else {
            context.close(promise: nil)
            return
        }
        switch error {
        case .headerOverflow:
            answerAndClose(context, 431, "Request Header Fields Too Large", "request header fields too large")
        case .invalidContentLength, .unexpectedContentLength:
            answerAndClose(context, 400, "Bad Request", "invalid Content-Length")
        case .invalidChunkSize:
            answerAndClose(context, 400, "Bad Request", "invalid chunked body")
        default:
            answerAndClose(context, 400, "Bad Request", "malformed HTTP request")
        }
    }

    /// The connection is becoming a WebSocket (its upgrade was accepted): from here on its bytes are frames.
    func upgrading() {
        guard let context else { return }
        deadlines.upgrade(at: monotonicNanoseconds())
        if let observer {
            _ = try? context.pipeline.syncOperations.removeHandler(observer)
            self.observer = nil
        }
        scanning = true
        // A client may send frames right behind its upgrade request, in the same read: scan what follows the header.
        if let leftover = lastRead.flatMap(Self.bytesAfterHeader) {
            let masked = leftover.withUnsafeReadableBytes { scanner.scan($0) }
            if !masked { refuseAfterUpgradeResponse = true }
        }
        lastRead = nil
        armTimer(context)
    }

    /// The bytes of `buffer` after the end of an HTTP header (`\r\n\r\n`, possibly begun in an earlier read).
    static func bytesAfterHeader(_ buffer: ByteBuffer) -> ByteBuffer? {
        let view = buffer.readableBytesView
        var end: Int?
        if let range = view.firstRange(of: [13, 10, 13, 10]) {
            end = range.upperBound
        } else {
            for prefix in [[10, 13, 10], [13, 10], [10]] as [[UInt8]] where view.starts(with: prefix) {
                end = view.startIndex + prefix.count
                break
            }
        }
        guard let end, end < view.endIndex else { return nil }
        return buffer.getSlice(at: end, length: view.endIndex - end)
    }

    // MARK: - Deadlines

    private func armTimer(_ context: ChannelHandlerContext) {
        guard !closing, admitted, let next = deadlines.next else { return }
        if timer != nil, timerAt <= next.at { return }
        timer?.cancel()
        timerAt = next.at
        timer = context.eventLoop.assumeIsolated().scheduleTask(
            deadline: .uptimeNanoseconds(UInt64(max(0, next.at)))
        ) {
            self.timer = nil
            self.timerAt = .max
            self.deadlinePassed(context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerAt = .max
    }

    private func deadlinePassed(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        let now = monotonicNanoseconds()
        switch deadlines.expired(at: now) {
        case nil:
            armTimer(context)
        case .header:
            policy.counters.add(.headerTimeout)
            answerAndClose(
                context, 408, "Request Timeout",
                "request header not complete within \(Self.seconds(policy.limits.headerTimeout))")
        case .body:
            policy.counters.add(.bodyTimeout)
            guard deadlines.canRespond else {
                closeNow(context)
                return
            }
            answerAndClose(
                context, 408, "Request Timeout",
                "request body made no progress for \(Self.seconds(policy.limits.bodyTimeout))")
        case .idle:
            policy.counters.add(.idleTimeout)
            closeNow(context)
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(EdgeResponse.ping(allocator: context.channel.allocator)), promise: nil)
            deadlines.pinged(at: now)
            armTimer(context)
        case .pingTimeout:
            policy.counters.add(.pingTimeout)
            closing = true
            context.writeAndFlush(
                wrapOutboundOut(
                    EdgeResponse.close(code: 1001, reason: "ping timeout", allocator: context.channel.allocator)),
                promise: nil)
            context.close(promise: nil)
        }
    }

    private static func seconds(_ d: Duration) -> String {
        let ms = d.nanoseconds / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }

    // MARK: - Closing

    private func refuseUnmasked(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        policy.counters.add(.unmaskedFrame)
        closing = true
        context.writeAndFlush(
            wrapOutboundOut(
                EdgeResponse.close(
                    code: 1002, reason: "client frames must be masked", allocator: context.channel.allocator)),
            promise: nil)
        context.close(promise: nil)
    }

    private func closeNow(_ context: ChannelHandlerContext) {
        closing = true
        cancelTimer()
        context.close(promise: nil)
    }

    /// Writes an HTTP answer, closes the connection for writing and drops what the client still sends until it
    /// closes or the linger time passes: closing outright with unread bytes would reset the connection, and the
    /// client could lose the answer.
    private func answerAndClose(_ context: ChannelHandlerContext, _ status: Int, _ reason: String, _ message: String) {
        guard !closing else { return }
        closing = true
        cancelTimer()
        context.writeAndFlush(
            wrapOutboundOut(EdgeResponse.http(status, reason, message: message, allocator: context.channel.allocator)),
            promise: nil)
        guard policy.beginLinger() else {
            context.close(promise: nil)
            return
        }
        lingering = true
        context.close(mode: .output, promise: nil)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(policy.linger.nanoseconds)) {
            self.timer = nil
            context.close(promise: nil)
        }
    }

    private func giveBack() {
        if admitted {
            admitted = false
            policy.release(connections)
        }
        if lingering {
            lingering = false
            policy.endLinger()
        }
    }
}
