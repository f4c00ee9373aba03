import NIOCore
import NIOHTTP1

/// Sits right behind the HTTP decoder and tells the connection guard where requests and responses begin and end,
/// and turns the decoder's errors into the guard's JSON answer instead of a bare 400 or a silent close. It passes
/// everything on untouched. The guard removes it when the connection upgrades, before any frame could reach it.
final class HTTPPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private unowned let connectionGuard: ConnectionGuard

    init(guard connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard.requestHead()
        case .body: break
        case .end: connectionGuard.requestEnd()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200 || head.status == .switchingProtocols:
            connectionGuard.responseHead()
        case .head, .body: break
        case .end: connectionGuard.responseEnd()
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            connectionGuard.malformed(error)
            return
        }
        context.fireErrorCaught(error)
    }
}
