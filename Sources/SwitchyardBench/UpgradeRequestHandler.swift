import NIOCore
import NIOHTTP1

/// Sends the HTTP/1.1 upgrade request when the connection opens and fails `upgraded` if the connection ends or
/// errors before the upgrade; the client's upgrade handler adds the WebSocket headers and removes this handler.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// The pipeline name under which the upgrade completion handler finds this handler.
    static let name = "switchyard-bench.upgrade-request"

    private let url: WebSocketURL
    private let upgraded: EventLoopPromise<Void>

    /// Creates the handler for `url`; `upgraded` is failed here, and succeeded by the upgrade pipeline callback.
    init(url: WebSocketURL, upgraded: EventLoopPromise<Void>) {
        self.url = url
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.hostHeader)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        upgraded.fail(LoadError.closedBeforeUpgrade)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        upgraded.fail(error)
        context.close(promise: nil)
    }
}
