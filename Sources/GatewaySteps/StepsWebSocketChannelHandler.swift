import Fleet
import GatewayCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import Steps
import Synchronization
import Wire

/// One step-tracker WebSocket on its event loop (contracts §1): every text message is an update, sent to the fleet at
/// once; its ack is written when the fleet's reply comes back, and every ack that came back together goes out in
/// one flush.
///
/// Limits, as before this ran on the event loop: at most `maxInFlight` updates (with acks, messages) outstanding,
/// beyond which the connection is not read; messages past the connection's rate wait for their token; a client
/// that does not read its acks stops being read once the channel's write buffer is full. On the gateway's drain,
/// new updates get no ack, and the connection closes with 1001 once the ones in flight are answered.
final class StepsWebSocketChannelHandler: ReadGatedHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What every connection of the port shares.
    struct Settings: Sendable {
        let fleet: any FleetRequester
        let validator: StepsValidator
        let maxMessageSize: Int
        let maxInFlight: Int
        /// How long an update may wait for its commit; past it the client gets no ack and should resend.
        let updateTimeout: Duration
        let drain: WebSocketDrain
        let messagesPerSecond: Int
        let logger: Logger
    }

    /// What the fleet's replies hand to the event loop.
    fileprivate enum Reply: Sendable {
        /// Write this ack (or rejection) and free the slot.
        case write(String)
        /// Free the slot (the update failed, or needs no ack).
        case release
    }

    private let settings: Settings
    private let acks: Bool
    private var protocolState: WebSocketConnection
    private(set) var context: ChannelHandlerContext?
    // Queues start at one slot, not NIO's default 16: they are empty on an idle connection, and 16 slots per
    // queue per connection add up (docs/performance.md, idle WebSockets).
    /// Messages read but not yet started: waiting for a slot or for their rate token.
    private var pending = CircularBuffer<Result<StepsUpdate, StepsRejection>>(initialCapacity: 1)
    private var inFlight = 0
    private var rate: MessageRate
    var readWanted = false
    private var drainSlot: WebSocketDrainSlot?
    /// Set when the drain started; stays set after the close it leads to.
    private var draining = false
    private let mailbox: Mailbox

    /// Whether an upgrade request's path and query opted into acknowledgements (`?ack=1`).
    static func wantsAcks(_ pathAndQuery: String) -> Bool {
        guard let query = pathAndQuery.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.split(separator: "&").contains { $0 == "ack=1" || $0 == "ack=true" }
    }

    /// A handler for one connection that asked (`acks`) or not for acknowledgements.
    init(settings: Settings, acks: Bool, eventLoop: any EventLoop) {
        self.settings = settings
        self.acks = acks
        protocolState = WebSocketConnection(maxMessageSize: settings.maxMessageSize)
        rate = MessageRate(perSecond: settings.messagesPerSecond)
        mailbox = Mailbox(eventLoop: eventLoop)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        mailbox.attach { replies in loop.value.deliver(replies) }
        drainSlot = WebSocketDrainSlot(drain: settings.drain, eventLoop: context.eventLoop) { continuation in
            loop.value.startDrain(continuation)
        }
        if drainSlot?.isRegistered != true { close(.goingAway, reason: "server shutting down") }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        mailbox.detach()
        drainSlot?.leave()
        drainSlot = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch protocolState.read(unwrapInboundIn(data), on: context) {
        case nil:
            break
        case .text(let message)?:
            // Checked once on arrival: a message waiting for a slot is not parsed again each time one frees.
            pending.append(settings.validator.validate(message.readableBytesView))
            pump()
        case .binary?:
            pending.append(.failure(StepsRejection(updateID: nil, error: "binary frames are not updates")))
            pump()
        case .closing?:
            pending.removeAll()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        resumeReadingIfAllowed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.removeAll()
        context.fireChannelInactive()
    }

    /// Reading goes on while nothing waits and the client takes what is written to it.
    var mayRead: Bool {
        pending.isEmpty && !rate.held && (context?.channel.isWritable ?? false)
    }

    /// Starts what it can of the pending messages, in order.
    private func pump() {
        var taken = 0
        defer { if taken > 0 { settings.fleet.counters.add(.stepsMessagesIn, count: taken) } }
        while let outcome = pending.first, !rate.held, !protocolState.closeSent, let context {
            // With acks every message takes a slot (it gets a reply); without, only updates in flight do.
            let needsSlot: Bool
            if case .success = outcome { needsSlot = true } else { needsSlot = acks }
            if needsSlot && inFlight >= settings.maxInFlight { return }
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
            // Draining: nothing new is started, so the in-flight count only goes down.
            if draining { continue }
            if needsSlot { inFlight += 1 }
            start(outcome)
        }
        resumeReadingIfAllowed()
    }

    private func start(_ outcome: Result<StepsUpdate, StepsRejection>) {
        switch outcome {
        case .failure(let rejection):
            if acks { deliver([.write(StepsJSON.rejected(rejection))]) }
        case .success(let update):
            let (mailbox, acks, logger) = (self.mailbox, self.acks, settings.logger)
            settings.fleet.request(
                product: .steps, key: update.username, partition: nil, body: StepsCommand.update(update).encoded(),
                idempotent: true, timeout: settings.updateTimeout
            ) { result in
                if acks, case .success(let body) = result, case .updated = try? StepsReply(decoding: body) {
                    return mailbox.post(.write(StepsJSON.ack(update.updateID)))
                }
                mailbox.post(.release)
                if case .failure(let error) = result {
                    // At shutdown every update in flight fails this way, and the client resends it: not a warning.
                    logger.log(
                        level: error.code == .shuttingDown ? .debug : .warning, "update not acknowledged",
                        metadata: ["update_id": "\(update.updateID)", "error": "\(error)"])
                }
            }
        }
    }

    /// Writes the replies that came back together, with one flush, and frees their slots.
    private func deliver(_ replies: [Reply]) {
        guard let context else { return }
        var wrote = 0
        for reply in replies {
            if case .write(let text) = reply, !protocolState.closeSent {
                let frame = WebSocketFrame(
                    fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
                context.write(wrapOutboundOut(frame), promise: nil)
                wrote += 1
            }
            inFlight -= 1
        }
        if wrote > 0 {
            context.flush()
            settings.fleet.counters.add(.stepsMessagesOut, count: wrote)
        }
        if draining && inFlight == 0 { finishDrain() } else { pump() }
    }

    private func startDrain(_ continuation: CheckedContinuation<Void, Never>) {
        guard context != nil else { return continuation.resume() }
        draining = true
        drainSlot?.hold(continuation)
        if inFlight == 0 { finishDrain() }
    }

    private func finishDrain() {
        close(.goingAway, reason: "server shutting down")
        drainSlot?.release()
    }

    /// Sends a close frame, then closes the channel (nothing if one was sent already).
    private func close(_ code: WebSocketErrorCode, reason: String) {
        guard let context, protocolState.close(code, reason: reason, on: context) else { return }
        pending.removeAll()
    }

    /// Replies from the fleet's thread to the connection's event loop: one hop for all the replies that arrive
    /// before the loop gets to them.
    fileprivate final class Mailbox: Sendable {
        private struct State {
            var replies: [Reply] = []
            var scheduled = false
            var deliver: (@Sendable ([Reply]) -> Void)?
        }
        private let eventLoop: any EventLoop
        private let state = NIOLockedValueBox(State())

        init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

        func attach(_ deliver: @escaping @Sendable ([Reply]) -> Void) { state.withLockedValue { $0.deliver = deliver } }

        func detach() { state.withLockedValue { $0 = State() } }

        func post(_ reply: Reply) {
            let schedule = state.withLockedValue { state -> Bool in
                guard state.deliver != nil else { return false }
                state.replies.append(reply)
                defer { state.scheduled = true }
                return !state.scheduled
            }
            guard schedule else { return }
            eventLoop.execute {
                let (replies, deliver) = self.state.withLockedValue { state in
                    defer {
                        state.replies = []
                        state.scheduled = false
                    }
                    return (state.replies, state.deliver)
                }
                deliver?(replies)
            }
        }
    }
}
