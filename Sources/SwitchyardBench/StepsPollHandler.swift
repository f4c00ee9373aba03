import JSON
import NIOCore
import NIOHTTP1

/// One keep-alive REST connection of the poller: reads `GET /users/{u}/steps` for its share of the users, up to
/// `depth` requests pipelined, in passes, until every one is what is asked for or the runner stops the poll.
///
/// A pass stops sending at the first user not yet right (or not answered properly); that user and the ones not
/// asked yet wait for the next pass, after a short pause, which asks one user at a time until one is right. So a
/// server still working through its backlog is asked a few requests per pause, not every user each time: the
/// poll's own load stays out of what it measures. Confined to its channel's event loop.
final class StepsPollHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// What a poll waits for.
    enum Goal: Sendable {
        /// Every user's total, read once (404 counts as 0).
        case read
        /// Every user at exactly its total in this array (indexed by user).
        case reach([Double])
    }

    private let hostHeader: String
    private let depth: Int
    private let pauseNanos: Int64
    /// Pause after a pass that got an answer other than 200 or 404 (a gateway shedding load answers 503 with
    /// `Retry-After: 1`): at least this long, so the poll does not add to the overload it is waiting out.
    private static let busyPauseNanos: Int64 = 25_000_000
    private var busyPass = false
    /// Requests kept in flight: `depth`, or 1 after an answer that was not right yet (probing).
    private var window: Int
    /// The current pass met a user not right yet: it sends nothing more.
    private var stalled = false
    private var context: ChannelHandlerContext?
    private var goal = Goal.read
    private var promise: EventLoopPromise<StepsPollOutcome>?
    private var outcome = StepsPollOutcome()
    /// The users of the current pass, the next of them to ask, those asked and not answered (in order: HTTP/1.1
    /// answers pipelined requests in order), and those to ask again in the next pass.
    private var pass: [Int] = []
    private var nextInPass = 0
    private var inFlight = CircularBuffer<Int>()
    private var again: [Int] = []
    private var status = HTTPResponseStatus.ok
    private var body: ByteBuffer?
    private var pause: Scheduled<Void>?

    /// Creates a connection that sends `Host: hostHeader`, keeps up to `depth` requests in flight and waits
    /// `pauseMs` between two passes.
    init(hostHeader: String, depth: Int, pauseMs: Double) {
        self.hostHeader = hostHeader
        self.depth = max(depth, 1)
        window = self.depth
        pauseNanos = Int64(max(pauseMs, 0) * 1e6)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Polls `users` until `goal` holds for each; completes `promise` then, or when ``stop()`` is called.
    func poll(users: [Int], goal: Goal, promise: EventLoopPromise<StepsPollOutcome>) {
        guard self.promise == nil else {
            promise.fail(StreamError(message: "a poll is already running on this connection"))
            return
        }
        self.goal = goal
        self.promise = promise
        outcome = StepsPollOutcome()
        if case .reach = goal {
            // Not read yet counts as behind, so a poll stopped early names every user it did not see right.
            for user in users { outcome.behind[user] = .some(nil) }
        }
        pass = users
        nextInPass = 0
        again = []
        busyPass = false
        stalled = false
        window = depth
        outcome.rounds = 1
        if users.isEmpty {
            finish(at: NIODeadline.now().uptimeNanoseconds)
        } else {
            sendMore()
        }
    }

    /// Ends the poll now (the runner's deadline passed): completes it with what was seen, unfinished.
    func stop() {
        pause?.cancel()
        pause = nil
        guard let promise else { return }
        self.promise = nil
        outcome.finishedNanos = nil
        promise.succeed(outcome)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            body = context.channel.allocator.buffer(capacity: 64)
        case .body(var part):
            body?.writeBuffer(&part)
        case .end:
            guard let user = inFlight.popFirst() else { return }
            outcome.requests += 1
            answered(user: user)
            if (nextInPass == pass.count || stalled) && inFlight.isEmpty {
                passEnded()
            } else {
                sendMore()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pause?.cancel()
        pause = nil
        if let promise {
            // The server closed the connection (shedding load, or a keep-alive timeout): hand back who is left,
            // for the runner to poll on a new connection.
            self.promise = nil
            outcome.finishedNanos = nil
            outcome.interrupted = Array(inFlight) + Array(pass[nextInPass...]) + again
            inFlight.removeAll()
            promise.succeed(outcome)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let promise {
            self.promise = nil
            promise.fail(StreamError(message: "REST connection: \(error)"))
        }
        context.close(promise: nil)
    }

    /// Classifies the answer for `user` and decides whether to ask again.
    private func answered(user: Int) {
        let total: Double?
        switch status {
        case .ok:
            guard let body, case .object(let object)? = try? JSONParser.parse(body.readableBytesView),
                case .number(let value)? = object["cumulativeSteps"]
            else {
                unexpected("200 with body \(body.map { String(buffer: $0) } ?? "")")
                notYet(user)
                return
            }
            total = value
        case .notFound:
            total = nil
        default:
            unexpected("\(status.code) \(body.map { String(buffer: $0) } ?? "")")
            notYet(user)
            return
        }
        switch goal {
        case .read:
            outcome.totals[user] = total ?? 0
            window = depth
        case .reach(let expected):
            let value = total ?? 0
            if value == expected[user] {
                outcome.behind[user] = nil
                window = depth
            } else if value > expected[user] {
                // Totals only grow: this user can never come right, so it is not asked again.
                outcome.behind[user] = nil
                outcome.overcounted[user] = value
            } else {
                outcome.behind[user] = .some(total)
                notYet(user)
            }
        }
    }

    /// `user` is asked again in the next pass; this pass sends nothing more, and the next one probes.
    private func notYet(_ user: Int) {
        again.append(user)
        stalled = true
        window = 1
    }

    private func unexpected(_ text: String) {
        busyPass = true
        outcome.unexpectedReplies += 1
        if outcome.firstUnexpectedReply == nil { outcome.firstUnexpectedReply = String(text.prefix(200)) }
    }

    private func passEnded() {
        again += pass[nextInPass...]
        guard !again.isEmpty else {
            finish(at: NIODeadline.now().uptimeNanoseconds)
            return
        }
        pass = again
        again = []
        nextInPass = 0
        stalled = false
        outcome.rounds += 1
        let pauseNanos = busyPass ? max(pauseNanos, Self.busyPauseNanos) : pauseNanos
        busyPass = false
        guard let context else { return }
        pause = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(pauseNanos)) {
            self.pause = nil
            self.sendMore()
        }
    }

    private func finish(at nanos: UInt64) {
        guard let promise else { return }
        self.promise = nil
        outcome.finishedNanos = nanos
        promise.succeed(outcome)
    }

    private func sendMore() {
        guard promise != nil, !stalled, let context else { return }
        var sent = false
        while inFlight.count < window && nextInPass < pass.count {
            let user = pass[nextInPass]
            nextInPass += 1
            inFlight.append(user)
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: hostHeader)
            let head = HTTPRequestHead(
                version: .http1_1, method: .GET, uri: "/users/user\(user)/steps", headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            sent = true
        }
        if sent { context.flush() }
    }
}
