import GatewayCore
import NIOCore
import NIOWebSocket
import SocketIO

/// One Socket.IO WebSocket on its event loop: messages go to the session's state machine in `SocketIOServer` as
/// they are read; what the session sends comes through the WebSocket's bounded outbox, which the handler empties on
/// the event loop while the channel is writable, with one flush per batch.
///
/// A client that does not read what it is sent is not read either (its next message waits until the channel is
/// writable again), and what waits for it is bounded: at most one presence broadcast (a newer one replaces it) and
/// `maxQueuedFrames` other frames, past which it is closed with 1008. Engine.IO's own heartbeat is its liveness check.
final class SocketIOWebSocketChannelHandler: ReadGatedHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let server: SocketIOServer
    private let target: SocketIOServer.WebSocketTarget
    private(set) var context: ChannelHandlerContext?
    private var writer: SocketIOServer.Writer?
    /// The session and WebSocket number, once opened.
    private var link: (session: String, webSocket: Int)?
    private var protocolState: WebSocketConnection
    private var rate: MessageRate
    // Queues start at one slot, not NIO's default 16: they are empty on an idle connection, and 16 slots per
    // queue per connection add up (docs/performance.md, idle WebSockets).
    /// Messages read and not yet given to the session (they wait for the rate or for the client to read).
    private var pending = CircularBuffer<EngineIOFrame>(initialCapacity: 1)
    var readWanted = false
    /// Taken from the outbox, not yet written (the channel was not writable).
    private var outgoing = CircularBuffer<SocketIOServer.Outgoing>(initialCapacity: 1)

    /// A handler for an upgrade to `target`.
    init(server: SocketIOServer, target: SocketIOServer.WebSocketTarget, messagesPerSecond: Int) {
        self.server = server
        self.target = target
        protocolState = WebSocketConnection(maxMessageSize: server.maxPayload)
        rate = MessageRate(perSecond: messagesPerSecond)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let writer = server.makeWriter(wake: { eventLoop.execute { loop.value.writeQueued() } })
        self.writer = writer
        link = server.openWebSocket(target, writer: writer)
        // The session it upgrades ended between the upgrade's decision and now.
        if link == nil { close(.protocolError, reason: "Session ID unknown") }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let link { server.closed(session: link.session, webSocket: link.webSocket) }
        link = nil
        // Frees what the client never read (the gateway's queued-bytes total counts it) and the outbox's hold on us.
        writer?.discard()
        writer = nil
        outgoing.removeAll()
        pending.removeAll()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch protocolState.read(unwrapInboundIn(data), on: context) {
        case nil:
            break
        case .text(let message)?:
            pending.append(.text(String(buffer: message)))
            pump()
        case .binary(let message)?:
            pending.append(.binary(Array(message.readableBytesView)))
            pump()
        case .closing?:
            pending.removeAll()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        writeQueued()
    }

    private var backedUp: Bool { !outgoing.isEmpty || !(context?.channel.isWritable ?? false) }

    var mayRead: Bool { pending.isEmpty && !rate.held && !backedUp }

    /// Gives the session the messages read, within the message rate and while the client takes what it is sent.
    private func pump() {
        var taken = 0
        defer { if taken > 0 { server.counters.add(.presenceMessagesIn, count: taken) } }
        while !rate.held, !backedUp, !protocolState.closeSent, let frame = pending.first, let context, let link {
            if let wait = rate.admit(counting: server.counters) {
                let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: wait) {
                    loop.value.rate.release()
                    loop.value.pump()
                }
                return
            }
            pending.removeFirst()
            taken += 1
            server.received(frame, session: link.session, webSocket: link.webSocket)
        }
        resumeReadingIfAllowed()
    }

    /// Writes what the outbox holds while the channel takes it, with one flush.
    private func writeQueued() {
        guard let context, let writer else { return }
        let (taken, _) = writer.takeQueued()
        for item in taken {
            // A newer broadcast makes one still waiting here pointless too.
            if item.isBroadcast, let stale = outgoing.firstIndex(where: \.isBroadcast) {
                writer.written(outgoing.remove(at: stale))
            }
            outgoing.append(item)
        }
        var wrote = false
        var sent = 0
        defer { if sent > 0 { server.counters.add(.presenceMessagesOut, count: sent) } }
        writing: while let item = outgoing.first, !protocolState.closeSent {
            switch item {
            case .frame(let frame):
                guard context.channel.isWritable else { break writing }
                switch frame {
                case .text(let text): write(ByteBuffer(string: text), opcode: .text, context: context)
                case .binary(let bytes): write(ByteBuffer(bytes: bytes), opcode: .binary, context: context)
                }
                sent += 1
            case .broadcast(let frames):
                guard context.channel.isWritable else { break writing }
                write(frames.listFrame, opcode: .text, context: context)
                write(frames.countFrame, opcode: .text, context: context)
                sent += 2
            case .close(let code):
                outgoing.removeFirst()
                if wrote { context.flush() }
                wrote = false
                close(WebSocketErrorCode(codeNumber: Int(code)), reason: "")
                continue
            }
            outgoing.removeFirst()
            writer.written(item)
            wrote = true
        }
        if wrote { context.flush() }
        if case .close(let code)? = outgoing.last, !protocolState.closeSent {
            // The session ended (too slow, heartbeat lost, shutdown) while the client was not reading: what it has
            // not taken is dropped, not waited on.
            outgoing.removeAll()
            close(WebSocketErrorCode(codeNumber: Int(code)), reason: "")
        }
        pump()
    }

    private func write(_ data: ByteBuffer, opcode: WebSocketOpcode, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: data)), promise: nil)
    }

    /// Sends a close frame, then closes the channel after a moment for the client's answer.
    private func close(_ code: WebSocketErrorCode, reason: String) {
        guard let context, protocolState.close(code, reason: reason, on: context) else { return }
        pending.removeAll()
    }
}
