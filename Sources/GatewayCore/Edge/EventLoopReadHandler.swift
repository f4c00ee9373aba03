import Foundation
import NIOCore
import NIOHTTP1
import Wire

/// Answers a port's plain reads (`EventLoopReadRoute`) on the connection's event loop, and hands every other request
/// to the router behind it untouched.
///
/// Through the router a read costs four thread hand-overs: the event loop to the connection's task, the task to
/// the ZeroMQ thread, back to the task, back to the event loop. Here it costs two: the command goes to the fleet
/// from the event loop and the reply comes back to it, as the WebSocket handlers' commands do. Sits right behind
/// the connection guard's `HTTPPhaseObserver`, so the guard's deadlines see these requests like any other.
///
/// Responses stay in request order: a read is taken only while no request given to the router awaits its
/// response, and what arrives while a read is answered (pipelined requests) waits until its answer is written;
/// past `heldPartsLimit` parts the socket is not read further meanwhile. A client that does not read its answers
/// gets no more: while the channel is not writable, no read is taken, nothing held goes on and the socket is not
/// read (the router's writer waits for writability the same way). On a graceful shutdown
/// (`ChannelShouldQuiesceEvent`) during a read, the answer says `Connection: close` and the connection closes after
/// it; otherwise the router decides, as before.
final class EventLoopReadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// A request for the router is being read.
        case passing
        /// A read's head has come; its end has not.
        case reading(EventLoopRead, version: HTTPVersion, started: ContinuousClock.Instant)
        /// A read is with the fleet.
        case answering(EventLoopRead, version: HTTPVersion, started: ContinuousClock.Instant)
        /// The channel is gone.
        case closed
    }

    private let route: EventLoopReadRoute
    private let fleet: any FleetRequester
    private let policy: EdgePolicy
    private let product: ProductCode
    private let messagesIn: EdgeCounter?
    private let messagesOut: EdgeCounter?
    private var state = State.idle
    /// Requests given to the router whose response has not ended: a read answered now could overtake them.
    private var routerResponsesDue = 0
    /// Parts that came while a read was answered, replayed in order once it is.
    private var held = CircularBuffer<HTTPServerRequestPart>(initialCapacity: 1)
    /// A `read()` held back while a read was answered.
    private var readHeld = false
    /// A graceful shutdown began while a read was in progress: close once it is answered.
    private var closeAfterAnswer = false
    private var date = HTTPDateCache()

    /// A handler answering `route`'s reads through `fleet`, counting them for `product`; while `policy` says the
    /// gateway sheds, every request goes to the router (which answers 503).
    init(route: @escaping EventLoopReadRoute, fleet: any FleetRequester, policy: EdgePolicy, product: ProductCode) {
        self.route = route
        self.fleet = fleet
        self.policy = policy
        self.product = product
        messagesIn = EdgeCounter.messagesIn(of: product)
        messagesOut = EdgeCounter.messagesOut(of: product)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .answering: held.append(part)
        case .closed: break
        default: take(part, context: context)
        }
    }

    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            // Not while the client leaves its answers unread: the router's writer waits for writability too.
            if routerResponsesDue == 0, context.channel.isWritable, !closeAfterAnswer, !policy.isOverloaded,
                let read = route(head)
            {
                if let messagesIn { fleet.counters.add(messagesIn) }
                state = .reading(read, version: head.version, started: .now)
                return
            }
            routerResponsesDue += 1
            state = .passing
            context.fireChannelRead(wrapInboundOut(part))
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.reading, .body):
            // The route took only requests announcing no body; nothing to read here.
            break
        case (.reading(let read, let version, let started), .end):
            state = .answering(read, version: version, started: started)
            send(read, context: context)
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func send(_ read: EventLoopRead, context: ChannelHandlerContext) {
        let loop = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        fleet.request(
            product: read.product, key: read.key, partition: nil, body: read.body, idempotent: true, timeout: nil
        ) { result in
            eventLoop.execute { loop.value.handler.answered(result, context: loop.value.context) }
        }
    }

    private func answered(_ result: Result<[UInt8], FleetRequestError>, context: ChannelHandlerContext) {
        guard case .answering(let read, let version, let started) = state else { return }
        state = .idle
        let answer = read.answer(result)
        var body = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
        body.writeString(answer.body)
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Date", value: date.value(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
        headers.add(name: "Server", value: "switchyard")
        if closeAfterAnswer { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: answer.status.code, reasonPhrase: answer.status.reasonPhrase)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if let messagesOut { fleet.counters.add(messagesOut) }
        fleet.counters.observeDuration(.requestDuration, product: product, since: started)
        guard !closeAfterAnswer else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        resume(context: context)
    }

    /// Goes on with what waited for a read's answer, unless another read is being answered or the client is not
    /// reading what it was sent (then `channelWritabilityChanged` resumes).
    private func resume(context: ChannelHandlerContext) {
        guard context.channel.isWritable else { return }
        // Pipelined requests that came meanwhile, in order, until one of them is a read again. The handlers behind
        // (NIO's async channel) pass on what they were given at the read's completion, so complete it again.
        if !held.isEmpty, !isAnswering {
            while !held.isEmpty, !isAnswering {
                take(held.removeFirst(), context: context)
            }
            context.fireChannelReadComplete()
        }
        if readHeld, !isAnswering {
            readHeld = false
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resume(context: context)
        context.fireChannelWritabilityChanged()
    }

    private var isAnswering: Bool {
        if case .answering = state { return true }
        return false
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's responses pass here (this handler writes its own from its context, past itself).
        if case .end = unwrapOutboundIn(data), routerResponsesDue > 0 { routerResponsesDue -= 1 }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        // Reading on while a read is answered costs nothing when nothing comes (the usual client waits for its
        // answer); holding every read back would change the socket's epoll interest twice per request. Only a
        // client that pipelines past the bound is not read until the answer.
        guard context.channel.isWritable, !isAnswering || held.count < Self.heldPartsLimit else {
            readHeld = true
            return
        }
        context.read()
    }

    /// Request parts kept while a read is answered before the socket is not read any more.
    static let heldPartsLimit = 16

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            switch state {
            case .reading, .answering:
                // The router knows nothing of this request and would close at once; close after its answer.
                closeAfterAnswer = true
                return
            case .idle, .passing, .closed:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        held.removeAll()
        context.fireChannelInactive()
    }
}
