import Foundation
import NIOCore
import NIOHTTP1
import Wire

/// Answers a port's plain requests (`EventLoopRoute`) on the connection's event loop, and hands every other request
/// to the router behind it untouched.
///
/// Through the router a request costs four thread hand-overs: the event loop to the connection's task, the task to
/// the ZeroMQ thread, back to the task, back to the event loop. Here it costs two: the command goes to the fleet
/// from the event loop and the reply comes back to it, as the WebSocket handlers' commands do. A body the route
/// refuses is answered at once, without the fleet. Sits right behind the connection guard's `HTTPPhaseObserver`,
/// so the guard's deadlines see these requests like any other.
///
/// Responses stay in request order: a request is taken only while no request given to the router awaits its
/// response, and what arrives while one is answered (pipelined requests) waits until its answer is written;
/// past `heldPartsLimit` parts the socket is not read further meanwhile. A client that does not read its answers
/// gets no more: while the channel is not writable, no request is taken, nothing held goes on and the socket is not
/// read (the router's writer waits for writability the same way). On a graceful shutdown
/// (`ChannelShouldQuiesceEvent`) during a request, the answer says `Connection: close` and the connection closes
/// after it; otherwise the router decides, as before.
final class EventLoopRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// A request for the router is being read.
        case passing
        /// A request's head has come; its end has not. `body` is what came of its body so far.
        case collecting(EventLoopRequest, body: ByteBuffer?, version: HTTPVersion, started: ContinuousClock.Instant)
        /// A request's command is with the fleet.
        case answering(EventLoopCommand, version: HTTPVersion, started: ContinuousClock.Instant)
        /// The channel is gone.
        case closed
    }

    private let route: EventLoopRoute
    private let fleet: any FleetRequester
    private let policy: EdgePolicy
    private let product: ProductCode
    private let messagesIn: EdgeCounter?
    private let messagesOut: EdgeCounter?
    private var state = State.idle
    /// Requests given to the router whose response has not ended: a request answered here now could overtake them.
    private var routerResponsesDue = 0
    /// Parts that came while a request was answered, replayed in order once it is.
    private var held = CircularBuffer<HTTPServerRequestPart>(initialCapacity: 1)
    /// A `read()` held back while a request was answered.
    private var readHeld = false
    /// A graceful shutdown began while a request was in progress: close once it is answered.
    private var closeAfterAnswer = false
    private var date = HTTPDateCache()

    /// A handler answering `route`'s requests through `fleet`, counting them for `product`; while `policy` says the
    /// gateway sheds, every request goes to the router (which answers 503).
    init(route: @escaping EventLoopRoute, fleet: any FleetRequester, policy: EdgePolicy, product: ProductCode) {
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
        // Parts still held (the client is not reading its answers) go first.
        default: if held.isEmpty { take(part, context: context) } else { held.append(part) }
        }
    }

    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            // Not while the client leaves its answers unread: the router's writer waits for writability too.
            if routerResponsesDue == 0, context.channel.isWritable, !closeAfterAnswer, !policy.isOverloaded,
                let request = route(head)
            {
                if let messagesIn { fleet.counters.add(messagesIn) }
                state = .collecting(request, body: nil, version: head.version, started: .now)
                return
            }
            routerResponsesDue += 1
            state = .passing
            context.fireChannelRead(wrapInboundOut(part))
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let request, var body, let version, let started), .body(var bytes)):
            // A request complete at its head announced no body; there is nothing to keep of one.
            guard case .body = request else { return }
            // Out of the state first: appending to a buffer the state still shares would copy all of it for every
            // part, which a client sending its body a byte at a time would turn into quadratic work.
            state = .idle
            if body == nil {
                body = bytes
            } else {
                body!.writeBuffer(&bytes)
            }
            state = .collecting(request, body: body, version: version, started: started)
        case (.collecting(let request, let body, let version, let started), .end):
            let command: EventLoopCommand
            switch request {
            case .command(let complete):
                command = complete
            case .body(let make):
                switch make(body ?? ByteBuffer()) {
                case .command(let made):
                    command = made
                case .refused(let refusal):
                    state = .idle
                    write(refusal, version: version, started: started, context: context)
                    return
                }
            }
            state = .answering(command, version: version, started: started)
            send(command, context: context)
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func send(_ command: EventLoopCommand, context: ChannelHandlerContext) {
        let loop = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        fleet.request(
            product: command.product, key: command.key, partition: nil, body: command.body, idempotent: true,
            timeout: nil
        ) { result in
            eventLoop.execute { loop.value.handler.answered(result, context: loop.value.context) }
        }
    }

    private func answered(_ result: Result<[UInt8], FleetRequestError>, context: ChannelHandlerContext) {
        guard case .answering(let command, let version, let started) = state else { return }
        state = .idle
        if write(command.answer(result), version: version, started: started, context: context) {
            resume(context: context)
        }
    }

    /// Writes `answer` as the response to the request taken at `started`; false when the connection closes after it.
    @discardableResult
    private func write(
        _ answer: JSONAnswer, version: HTTPVersion, started: ContinuousClock.Instant, context: ChannelHandlerContext
    ) -> Bool {
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
            return false
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return true
    }

    /// Goes on with what waited for an answer, unless another request is being answered or the client is not
    /// reading what it was sent (then `channelWritabilityChanged` resumes).
    private func resume(context: ChannelHandlerContext) {
        guard context.channel.isWritable else { return }
        // Pipelined requests that came meanwhile, in order, until one of them goes to the fleet again. The handlers
        // behind (NIO's async channel) pass on what they were given at the read's completion, so complete it again.
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
        // Reading on while a request is answered costs nothing when nothing comes (the usual client waits for its
        // answer); holding every read back would change the socket's epoll interest twice per request. Only a
        // client that pipelines past the bound is not read until the answer.
        guard context.channel.isWritable, !isAnswering || held.count < Self.heldPartsLimit else {
            readHeld = true
            return
        }
        context.read()
    }

    /// Request parts kept while a request is answered before the socket is not read any more.
    static let heldPartsLimit = 16

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            switch state {
            case .collecting, .answering:
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
