import NIOCore
import NIOWebSocket

/// One subscriber after the upgrade: logs in and subscribes at once, completes `subscribed` on `table_list`, then
/// checks that the admin's changes arrive in order and records each delivery's latency in its loop's recorder.
/// Confined to its channel's event loop.
final class LobbySubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Room left before each payload so the frame encoder can prepend the header in place.
    private static let headroom = 14

    /// The index of this subscriber's URL.
    let gateway: Int
    /// Whether `table_list` arrived.
    private(set) var isSubscribed = false
    /// Whether the connection is still open.
    private(set) var isOpen = true
    /// The number of the next change expected.
    private(set) var nextExpected: UInt64 = 0
    /// Changes skipped by gaps.
    private(set) var missed: UInt64 = 0

    private let recorder: LobbyRecorder
    private let opening: [String]
    private let subscribed: EventLoopPromise<Void>
    private var random: SplitMix64
    private var needsFlush = false
    private var context: ChannelHandlerContext?

    /// Creates subscriber `index` of URL `gateway`: it sends `opening` (login, subscribe) and completes
    /// `subscribed` when `table_list` arrives (or fails it if the connection ends first).
    init(
        index: Int, gateway: Int, recorder: LobbyRecorder, opening: [String], subscribed: EventLoopPromise<Void>
    ) {
        self.gateway = gateway
        self.recorder = recorder
        self.opening = opening
        self.subscribed = subscribed
        random = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9 &+ 1)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        recorder.register(self)
        for text in opening {
            var buffer = context.channel.allocator.buffer(capacity: Self.headroom + text.utf8.count)
            buffer.moveWriterIndex(forwardBy: Self.headroom)
            buffer.moveReaderIndex(forwardBy: Self.headroom)
            buffer.writeString(text)
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends a masked close frame (1000) and closes the connection.
    func close() {
        guard let context else { return }
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(using: &random), data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            received(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(
                fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData)
            context.write(wrapOutboundOut(pong), promise: nil)
            needsFlush = true
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readInteger(as: UInt16.self)
            ended(code: code, reason: payload.readString(length: min(payload.readableBytes, 123)))
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended(code: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if isOpen { recorder.unexpected("error: \(error)") }
        ended(code: nil)
        context.close(promise: nil)
    }

    private func ended(code: UInt16?, reason: String? = nil) {
        guard isOpen else { return }
        isOpen = false
        if isSubscribed {
            recorder.disconnected(gateway: gateway, code: code, reason: reason)
        } else {
            subscribed.fail(LobbyLoadError("closed before table_list (close code \(code.map { "\($0)" } ?? "none"))"))
        }
    }

    private func received(_ payload: ByteBuffer) {
        switch LobbyMessageScanner.scan(payload) {
        case .change(let number, let sentNanos):
            let now = NIODeadline.now().uptimeNanoseconds
            if number == nextExpected {
                nextExpected += 1
            } else if number > nextExpected {
                recorder.gap()
                missed += number - nextExpected
                nextExpected = number + 1
            } else {
                recorder.outOfOrder()
            }
            recorder.delivered(gateway: gateway, sentNanos: sentNanos, nowNanos: now)
        case .tableList:
            if isSubscribed {
                recorder.extraTableList()
            } else {
                isSubscribed = true
                subscribed.succeed()
            }
        case .loginSuccessful:
            break
        case .other:
            recorder.unexpected(String(String(buffer: payload).prefix(200)))
        }
    }
}
