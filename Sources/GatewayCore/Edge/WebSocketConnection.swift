package import Fleet
package import NIOCore
package import NIOWebSocket

/// The RFC 6455 side of a WebSocket served on its event loop, shared by the products' handlers: assembles
/// fragmented messages within a size limit, answers pings, runs the closing handshake, and says which close code a
/// broken frame earns. A pure value fed with frames; the handler owns the channel.
package struct WebSocketConnection {
    /// What a frame means to the product.
    package enum Event: Equatable {
        /// Nothing for the product (a fragment, a pong, a frame after the close was sent).
        case none
        /// A complete text message, valid UTF-8.
        case text(ByteBuffer)
        /// A complete binary message.
        case binary(ByteBuffer)
        /// Answer with this pong payload.
        case pong(ByteBuffer)
        /// The client closed: answer with this code (echoing the client's when it sent one) and close the channel.
        case closedByClient(WebSocketErrorCode)
        /// The client broke the protocol: close with this code.
        case fail(WebSocketErrorCode, reason: String)
    }

    /// Largest message, after assembly; larger ones close with 1009.
    let maxMessageSize: Int
    private var fragments: ByteBuffer?
    private var fragmentsAreText = false
    /// Set once our close frame was sent: later data frames are dropped unread.
    package private(set) var closeSent = false

    /// A connection whose messages may be at most `maxMessageSize` bytes.
    package init(maxMessageSize: Int) { self.maxMessageSize = maxMessageSize }

    /// Records that a close frame went out.
    package mutating func sentClose() { closeSent = true }

    /// Takes one frame as decoded by NIO (still masked).
    package mutating func receive(_ frame: WebSocketFrame) -> Event {
        // No extension is negotiated, so a reserved bit is a protocol error (RFC 6455 §5.2).
        if frame.rsv1 || frame.rsv2 || frame.rsv3 { return .fail(.protocolError, reason: "reserved bit set") }
        switch frame.opcode {
        case .ping:
            return closeSent ? .none : .pong(frame.unmaskedData)
        case .pong:
            return .none
        case .connectionClose:
            var data = frame.unmaskedData
            // An empty close carries no code; 1000 answers it (RFC 6455 §7.4.1: 1005 must not be sent).
            return .closedByClient(data.readWebSocketErrorCode() ?? .normalClosure)
        case .text, .binary:
            guard fragments == nil else { return .fail(.protocolError, reason: "new message inside a fragmented one") }
            return assemble(frame.unmaskedData, text: frame.opcode == .text, fin: frame.fin)
        case .continuation:
            guard fragments != nil else { return .fail(.protocolError, reason: "continuation without a message") }
            return assemble(frame.unmaskedData, text: fragmentsAreText, fin: frame.fin)
        default:
            return .fail(.protocolError, reason: "unknown opcode")
        }
    }

    private mutating func assemble(_ data: ByteBuffer, text: Bool, fin: Bool) -> Event {
        var message: ByteBuffer
        if var started = fragments {
            guard started.readableBytes + data.readableBytes <= maxMessageSize else {
                fragments = nil
                return .fail(.messageTooLarge, reason: "message too large")
            }
            var data = data
            started.writeBuffer(&data)
            message = started
        } else {
            guard data.readableBytes <= maxMessageSize else {
                return .fail(.messageTooLarge, reason: "message too large")
            }
            message = data
        }
        guard fin else {
            fragments = message
            fragmentsAreText = text
            return .none
        }
        fragments = nil
        if closeSent { return .none }
        guard text else { return .binary(message) }
        let valid = message.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
        return valid ? .text(message) : .fail(.dataInconsistentWithMessage, reason: "text is not UTF-8")
    }
}

extension WebSocketConnection {
    /// What a frame brought the product, once `read(_:on:)` did what the protocol asks of the channel.
    package enum Incoming: Equatable {
        /// A complete text message, valid UTF-8.
        case text(ByteBuffer)
        /// A complete binary message.
        case binary(ByteBuffer)
        /// The connection is closing (the client's close was answered, or a broken frame's close was sent): what
        /// the product still holds of the client's is to be dropped.
        case closing
    }

    /// Takes one frame on `context`'s channel and carries out what the protocol asks (a pong, the answer to the
    /// client's close, the close a broken frame earns); returns what the product has to act on, if anything.
    package mutating func read(_ frame: WebSocketFrame, on context: ChannelHandlerContext) -> Incoming? {
        switch receive(frame) {
        case .none:
            return nil
        case .text(let message):
            return .text(message)
        case .binary(let message):
            return .binary(message)
        case .pong(let payload):
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
            return nil
        case .closedByClient(let code):
            close(code, reason: "", on: context, closeAfterWrite: true)
            return .closing
        case .fail(let code, let reason):
            close(code, reason: reason, on: context)
            return .closing
        }
    }

    /// Sends a close frame, then closes the channel: at once once it is written (`closeAfterWrite`, the answer to
    /// the client's close), else after a moment for the client's answer. False when a close was already sent (the
    /// channel is then closed at once if `closeAfterWrite`: the client answered ours).
    @discardableResult
    package mutating func close(
        _ code: WebSocketErrorCode, reason: String, on context: ChannelHandlerContext, closeAfterWrite: Bool = false
    ) -> Bool {
        guard !closeSent else {
            if closeAfterWrite { context.close(promise: nil) }
            return false
        }
        sentClose()
        context.closeWebSocket(code, reason: reason, closeNow: closeAfterWrite)
        return true
    }
}

/// A WebSocket that is closed as soon as it opens, with a code and reason (a shed upgrade: 1013).
package final class ClosingWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = WebSocketFrame
    package typealias OutboundOut = WebSocketFrame

    private let code: WebSocketErrorCode
    private let reason: String

    /// A handler that closes with `code` and `reason`.
    package init(code: WebSocketErrorCode, reason: String) {
        self.code = code
        self.reason = reason
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        context.closeWebSocket(code, reason: reason, closeNow: true)
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

extension ChannelHandlerContext {
    /// Writes a close frame with `code` and `reason`, then closes the channel: at once once it is written
    /// (`closeNow`, the answer to the client's own close), or after a moment for the client's answer, which a client
    /// that never sends it is not waited for; at most 10 s in all, since a client that stopped reading never takes it.
    package func closeWebSocket(_ code: WebSocketErrorCode, reason: String, closeNow: Bool) {
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        let loop = NIOLoopBound(self, eventLoop: eventLoop)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        let written = writeAndFlush(NIOAny(frame))
        if closeNow { return written.whenComplete { _ in loop.value.close(promise: nil) } }
        written.whenComplete { _ in
            loop.value.eventLoop.scheduleTask(in: .seconds(2)) { loop.value.close(promise: nil) }
        }
        // A client that stopped reading may never take the frame (or what is queued before it).
        eventLoop.scheduleTask(in: .seconds(10)) { loop.value.close(promise: nil) }
    }
}

/// The message rate of one WebSocket on its event loop: the next message takes its token once; past the rate it
/// waits (the connection is not read meanwhile) and is counted.
package struct MessageRate {
    private var bucket: MessageBucket?
    private var tokenTaken = false
    /// Whether the next message waits for its token.
    package private(set) var held = false

    /// A rate of `perSecond` messages (0: none).
    package init(perSecond: Int) { bucket = MessageBucket(rate: perSecond, at: monotonicNanoseconds()) }

    /// Takes the next message's token: nil when it may go now, else how long until its token is due (the message
    /// waits: call `release()` then, and take it again, which then admits it).
    package mutating func admit(counting counters: ProcessCounters) -> TimeAmount? {
        guard !tokenTaken, var current = bucket else {
            tokenTaken = false
            return nil
        }
        let wait = current.take(at: monotonicNanoseconds())
        bucket = current
        guard let wait else { return nil }
        tokenTaken = true
        held = true
        counters.add(.rateLimited)
        return TimeAmount(wait)
    }

    /// The held message's token is due.
    package mutating func release() { held = false }
}
