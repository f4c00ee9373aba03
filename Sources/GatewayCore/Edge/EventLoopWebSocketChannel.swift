import HTTPTypes
import Hummingbird
package import HummingbirdCore
package import Logging
package import NIOCore
package import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// A listener's connections, for a port whose WebSockets are served by a channel handler on the connection's own
/// event loop rather than by an async task reading a stream (docs/architecture.md, "WebSockets on the event loop"):
/// frames are handled where NIO decodes them, and replies are written there, so a message costs no task switch.
/// Requests that are not upgrades, and upgrade requests that are refused, go to the router as on any other port
/// (which answers them as plain requests: a 404, or Engine.IO's 400 for an unknown session).
package struct EventLoopWebSocketChannel: ServerChildChannel, HTTPChannelHandler {
    /// Makes the channel handler of one accepted upgrade; runs on the connection's event loop.
    package typealias HandlerFactory = @Sendable (any Channel) throws -> any ChannelHandler
    /// Decides an upgrade request from its head (`uri` is the path and query): the factory of its handler, or nil
    /// to refuse it. It runs on the event loop, before anything is written.
    package typealias Decision = @Sendable (_ head: HTTPRequestHead, _ channel: any Channel) -> HandlerFactory?

    /// What the connection became.
    enum Outcome: Sendable {
        /// A WebSocket whose handler is in the pipeline; it lives until the channel closes.
        case webSocket
        /// A plain HTTP connection, served by the router.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade request that was refused, with its head: NIO's upgrade handler does not pass the head of an
        /// upgrade it refuses on, so the router is given this copy.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPRequestHead)
    }

    /// The setup's result.
    package struct Value: ServerChildChannelValue {
        let outcome: EventLoopFuture<Outcome>
        package let channel: any Channel
    }

    package let responder: HTTPChannelHandler.Responder
    let maxFrameSize: Int
    let decide: Decision

    /// A channel setup that answers plain requests with `responder` and upgrades as `decide` says.
    package init(responder: @escaping HTTPChannelHandler.Responder, maxFrameSize: Int, decide: @escaping Decision) {
        self.responder = responder
        self.maxFrameSize = maxFrameSize
        self.decide = decide
    }

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let factory = NIOLoopBoundBox<HandlerFactory?>(nil, eventLoop: channel.eventLoop)
            let refused = NIOLoopBoundBox<HTTPRequestHead?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Outcome>(
                maxFrameSize: maxFrameSize,
                shouldUpgrade: { channel, head in
                    guard let made = decide(head, channel) else {
                        refused.value = head
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    factory.value = made
                    return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let make = factory.value else { throw ChannelError.inappropriateOperationForState }
                        try channel.pipeline.syncOperations.addHandler(try make(channel))
                        return Outcome.webSocket
                    }
                })
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Outcome>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        return refused.value.map { .refused(http, $0) } ?? .http(http)
                    }
                })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Outcome>(upgradeConfiguration: upgrades)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                configuration: configuration)
            return Value(outcome: outcome, channel: channel)
        }
    }

    package func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.outcome.get() {
            case .webSocket:
                // Nothing to do here: the handler serves the connection. Waiting keeps the server's count of
                // open connections true for its shutdown.
                try? await value.channel.closeFuture.get()
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let head):
                // Answered as the same request without the upgrade would be (a 404, Engine.IO's 400 for an unknown
                // session); the connection then closes, since what follows the head was meant for a WebSocket.
                try await http.executeThenClose { _, outbound in
                    var request = try HTTPRequest(head, secure: false, splitCookie: false)
                    request.headerFields[.connection] = "close"
                    try await responder(
                        Request(head: request, body: RequestBody(buffer: ByteBuffer())),
                        ResponseWriter(outbound: outbound),
                        http.channel)
                }
            }
        } catch {
            logger.debug("connection setup failed", metadata: ["error": "\(error)"])
        }
    }
}
