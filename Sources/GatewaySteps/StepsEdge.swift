package import GatewayCore
import NIOCore
package import ServiceLifecycle
package import Steps

/// The step tracker's edge (contracts §1): REST reads on one port, the WebSocket for updates on another.
package enum StepsEdge {
    /// The step tracker's settings.
    package struct Configuration: Sendable {
        package var httpPort: Int
        package var webSocketPort: Int
        package var limits: StepsLimits
        /// Largest WebSocket message; a larger one closes the connection with 1009.
        package var maxMessageSize: Int
        /// Updates of one connection in flight to the fleet; the connection is not read while it is at the limit.
        package var maxInFlight: Int
        /// Messages per second one WebSocket may send (0: no limit).
        package var messagesPerSecond: Int

        /// The settings.
        package init(
            httpPort: Int, webSocketPort: Int, limits: StepsLimits, maxMessageSize: Int, maxInFlight: Int,
            messagesPerSecond: Int
        ) {
            self.httpPort = httpPort
            self.webSocketPort = webSocketPort
            self.limits = limits
            self.maxMessageSize = maxMessageSize
            self.maxInFlight = maxInFlight
            self.messagesPerSecond = messagesPerSecond
        }
    }

    /// Its two listeners.
    package static func services(_ configuration: Configuration, _ context: EdgeListeners.Context) -> [any Service] {
        let router = EdgeListeners.router(context, product: .steps)
        StepsRoutes(fleet: context.fleet, limits: configuration.limits).register(on: router)
        let rest = EdgeListeners.http(
            router, port: configuration.httpPort, product: .steps, purpose: "step tracker REST",
            onEventLoop: StepsRoutes.eventLoopRequests(limits: configuration.limits), context)

        let settings = StepsWebSocketChannelHandler.Settings(
            fleet: context.fleet, validator: StepsValidator(limits: configuration.limits),
            maxMessageSize: configuration.maxMessageSize, maxInFlight: configuration.maxInFlight,
            updateTimeout: .seconds(30), drain: context.drain, messagesPerSecond: configuration.messagesPerSecond,
            logger: context.logger)
        let webSocket = EdgeListeners.webSocket(
            EdgeListeners.router(context, product: .steps), port: configuration.webSocketPort, product: .steps,
            purpose: "step tracker WebSocket",
            maxFrameSize: configuration.maxMessageSize, context
        ) { head, _ in
            // Any path upgrades (contracts §1); the original clients use `/`.
            let acks = StepsWebSocketChannelHandler.wantsAcks(head.uri)
            return { channel in
                StepsWebSocketChannelHandler(settings: settings, acks: acks, eventLoop: channel.eventLoop)
            }
        }
        return [rest, webSocket]
    }
}
