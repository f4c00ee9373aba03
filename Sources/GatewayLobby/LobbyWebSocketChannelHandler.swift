import GatewayCore
import Lobby
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// One lobby WebSocket on its event loop (contracts §4): a `LobbyConnection` state machine fed with the messages in
/// order. Each message's requests (a login check, a table change, a subscription) finish before the next message is
/// started, and the connection is not read meanwhile, so messages are answered in the order they were sent.
///
/// Everything written goes through the connection's bounded outbox (`LobbyHub.Subscriber`), which the hub's fan-out
/// writes into from any thread; the handler takes from it on the event loop, writes while the channel is writable,
/// and flushes once per batch. A subscriber whose outbox passes its bound is closed with 1008 (the outbox's last item).
final class LobbyWebSocketChannelHandler: ReadGatedHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What every connection of the port shares.
    struct Settings: Sendable {
        let fleet: FleetClient
        let hub: LobbyHub
        let authenticator: LobbyAuthenticator
        let limits: LobbyLimits
        /// How long a subscription waits for the hub's first list before `table_list` is sent anyway.
        let listTimeout: Duration
        let drain: WebSocketDrain
        /// Failed logins on one connection after which it is closed with 1008.
        let maxFailedLogins: Int
        let messagesPerSecond: Int
        let logger: Logger
    }

    private static let ids = Atomic<UInt64>(0)

    private let settings: Settings
    private let id: UInt64
    private(set) var context: ChannelHandlerContext?
    private var subscriber: LobbyHub.Subscriber?
    private var protocolState: WebSocketConnection
    private var connection: LobbyConnection
    // Queues start at one slot, not NIO's default 16: they are empty on an idle connection, and 16 slots per
    // queue per connection add up (docs/performance.md, idle WebSockets).
    /// Messages read and not started (nil: a binary frame).
    private var pending = CircularBuffer<[UInt8]?>(initialCapacity: 1)
    /// Actions of the current message still to carry out, after the request under way.
    private var actions: [LobbyConnection.Action] = []
    /// A request of the current message is under way (off the event loop).
    private var busy = false
    private var failedLogins = 0
    private var rate: MessageRate
    var readWanted = false
    /// Taken from the outbox, not yet written (the channel was not writable).
    private var outgoing = CircularBuffer<LobbyHub.Outgoing>(initialCapacity: 1)
    private var outboxFinished = false
    private var drainSlot: WebSocketDrainSlot?

    init(settings: Settings) {
        self.settings = settings
        id = Self.ids.add(1, ordering: .relaxed).newValue
        protocolState = WebSocketConnection(maxMessageSize: settings.limits.maxMessageBytes)
        connection = LobbyConnection(limits: settings.limits)
        rate = MessageRate(perSecond: settings.messagesPerSecond)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        subscriber = settings.hub.makeSubscriber(wake: { eventLoop.execute { loop.value.writeQueued() } })
        drainSlot = WebSocketDrainSlot(drain: settings.drain, eventLoop: eventLoop) { continuation in
            loop.value.startDrain(continuation)
        }
        if drainSlot?.isRegistered != true {
            subscriber?.finish(with: .close(1001, reason: "server shutting down"))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        settings.hub.unsubscribe(id)
        // Frees what the client never read (the gateway's queued-bytes total counts it) and the outbox's hold on us.
        subscriber?.discard()
        subscriber = nil
        outgoing.removeAll()
        drainSlot?.leave()
        drainSlot = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch protocolState.read(unwrapInboundIn(data), on: context) {
        case nil:
            break
        case .text(let message)?:
            pending.append(Array(message.readableBytesView))
            pump()
        case .binary?:
            pending.append(nil)
            pump()
        case .closing?:
            settings.hub.unsubscribe(id)
            dropClientWork()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        writeQueued()
    }

    var mayRead: Bool { pending.isEmpty && !busy && !rate.held && !backedUp }

    /// The client is not taking what it was sent: no further message of its own is started (nor read) until it
    /// does, so requests it pipelines (a hundred `subscribe_tables`, each answered with the whole list) cannot pile
    /// their answers up in the gateway.
    private var backedUp: Bool { !outgoing.isEmpty || !(context?.channel.isWritable ?? false) }

    /// Starts the next message once the previous one is done.
    private func pump() {
        var taken = 0
        defer { if taken > 0 { settings.fleet.counters.add(.lobbyMessagesIn, count: taken) } }
        while !busy, !rate.held, !backedUp, !protocolState.closeSent, let next = pending.first, let context {
            if let wait = rate.admit(counting: settings.fleet.counters) {
                let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: wait) {
                    loop.value.rate.release()
                    loop.value.pump()
                }
                return
            }
            pending.removeFirst()
            taken += 1
            // Draining: the close is on its way; what arrives meanwhile is not started.
            if settings.drain.isDraining { continue }
            actions =
                next.map { connection.received(frame: $0) }
                ?? connection.received(.failure(LobbyMessageError(.invalidJSON, "binary frames are not messages")))
            perform()
        }
        resumeReadingIfAllowed()
    }

    /// Carries out the current message's actions until one needs a request; its result comes back through `resume`.
    private func perform() {
        while !actions.isEmpty, !protocolState.closeSent {
            let action = actions.removeFirst()
            switch action {
            case .reply(let message):
                guard subscriber?.send(.text(ByteBuffer(string: message.jsonText))) == true else { return }
            case .unsubscribe:
                settings.hub.unsubscribe(id)
            case .verifyLogin(let username, let password):
                let authenticator = settings.authenticator
                request { () async -> LobbyUserType?? in
                    // Not checked (fleet silent, checks all taken): refused, not held against the connection.
                    try? await authenticator.authenticate(username: username, password: password)
                } then: { handler, checked in
                    handler.loginChecked(checked)
                }
                return
            case .execute(let command):
                let fleet = settings.fleet
                request { () async -> LobbyReply? in
                    let result = await fleet.request(
                        product: .lobby, key: LobbyHub.key, body: command.encoded(), idempotent: false)
                    return (try? result.get()).flatMap { try? LobbyReply(decoding: $0) }
                } then: { handler, reply in
                    handler.actions = handler.connection.commandResult(reply) + handler.actions
                }
                return
            case .subscribe:
                let (hub, deadline) = (settings.hub, ContinuousClock.now + settings.listTimeout)
                request { () async -> Bool in
                    // Only just after the gateway starts: the hub's first list is one round trip away.
                    while !hub.hasList, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
                    return true
                } then: { handler, _ in
                    guard let subscriber = handler.subscriber else { return }
                    handler.settings.hub.subscribe(handler.id, subscriber)
                    handler.actions = handler.connection.subscriptionStarted() + handler.actions
                }
                return
            }
        }
        guard !busy else { return }
        if settings.drain.isDraining { finishDrainIfIdle() }
    }

    /// Runs `work` off the event loop (a password check, a fleet round trip, a wait), then `then` back on it, and
    /// carries on with the message's remaining actions.
    private func request<Value: Sendable>(
        _ work: @escaping @Sendable () async -> Value,
        then: @escaping (LobbyWebSocketChannelHandler, Value) -> Void
    ) {
        guard let context else { return }
        busy = true
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let apply = NIOLoopBound(then, eventLoop: eventLoop)
        Task {
            let value = await work()
            eventLoop.execute {
                let handler = loop.value
                handler.busy = false
                guard handler.context != nil else { return }
                apply.value(handler, value)
                handler.perform()
                handler.pump()
            }
        }
    }

    private func loginChecked(_ checked: LobbyUserType??) {
        actions = connection.loginResult(checked ?? nil) + actions
        guard case .some(.none) = checked else { return }
        failedLogins += 1
        guard failedLogins >= settings.maxFailedLogins else { return }
        // Guessing passwords on one connection: answer this one, then close (counted).
        for case .reply(let message) in actions { _ = subscriber?.send(.text(ByteBuffer(string: message.jsonText))) }
        actions = []
        settings.fleet.counters.add(.loginConnectionClosed)
        subscriber?.finish(with: .close(1008, reason: "too many failed logins"))
    }

    /// Writes what the outbox holds while the channel takes it, with one flush.
    private func writeQueued() {
        guard let context, let subscriber else { return }
        let (taken, finished) = subscriber.takeQueued()
        outgoing.append(contentsOf: taken)
        outboxFinished = outboxFinished || finished
        var wrote = false
        var sent = 0
        defer { if sent > 0 { settings.fleet.counters.add(.lobbyMessagesOut, count: sent) } }
        writing: while let item = outgoing.first, !protocolState.closeSent {
            switch item {
            case .text(let text):
                guard context.channel.isWritable else { break writing }
                outgoing.removeFirst()
                let frame = WebSocketFrame(fin: true, opcode: .text, data: text)
                context.write(wrapOutboundOut(frame), promise: nil)
                subscriber.written(item)
                wrote = true
                sent += 1
            case .close(let code, let reason):
                outgoing.removeFirst()
                if wrote { context.flush() }
                wrote = false
                close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
            }
        }
        if wrote { context.flush() }
        if case .close(1008, let reason)? = outgoing.last, !protocolState.closeSent {
            // Too far behind (its outbox overflowed): what it has not taken is dropped, not waited on.
            outgoing.removeAll()
            close(.policyViolation, reason: reason)
        }
        pump()
    }

    private func startDrain(_ continuation: CheckedContinuation<Void, Never>) {
        guard context != nil else { return continuation.resume() }
        drainSlot?.hold(continuation)
        finishDrainIfIdle()
    }

    /// On the drain, the message under way is finished and answered, then the connection closes with 1001.
    private func finishDrainIfIdle() {
        guard !busy, drainSlot?.isDraining == true else { return }
        subscriber?.finish(with: .close(1001, reason: "server shutting down"))
        drainSlot?.release()
    }

    /// Sends a close frame, then closes the channel after a moment for the client's answer.
    private func close(_ code: WebSocketErrorCode, reason: String) {
        guard let context, protocolState.close(code, reason: reason, on: context) else { return }
        dropClientWork()
    }

    /// The connection is closing: the messages it sent that are not started, and the rest of the one under way,
    /// are dropped.
    private func dropClientWork() {
        pending.removeAll()
        actions = []
    }
}
