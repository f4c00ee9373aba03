import Fleet
package import Hummingbird
import HummingbirdCore
package import Logging
import NIOCore
package import ServiceLifecycle
package import Wire

/// The listeners every product edge is built from: one port, behind the connection guard, counted towards the
/// gateway's readiness once bound. Each product edge adds its routes and, where it has one, its WebSocket handler.
package enum EdgeListeners {
    /// Where and under what rules a product's listeners run.
    package struct Context: Sendable {
        /// Address the listeners bind to.
        package let host: String
        /// The fleet link (its readiness counts bound listeners).
        package let fleet: FleetClient
        /// The connection limits and overload state every port shares.
        package let policy: EdgePolicy
        /// The WebSocket drain of a graceful shutdown.
        package let drain: WebSocketDrain
        package let logger: Logger

        /// A context.
        package init(host: String, fleet: FleetClient, policy: EdgePolicy, drain: WebSocketDrain, logger: Logger) {
            self.host = host
            self.fleet = fleet
            self.policy = policy
            self.drain = drain
            self.logger = logger
        }
    }

    /// A router for `product`'s port with what every port answers with: its requests counted and timed, JSON
    /// error bodies, and shedding while overloaded.
    package static func router(_ context: Context, product: ProductCode) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(TrafficMiddleware(product: product, counters: context.fleet.counters))
        router.middlewares.add(JSONErrorMiddleware())
        router.middlewares.add(ShedMiddleware(policy: context.policy))
        return router
    }

    /// An HTTP listener on `port` serving `router`; `purpose` names it in a failure to listen ("steps REST").
    /// The requests `onEventLoop` takes are answered on the event loop before the router sees them
    /// (`EventLoopRequestHandler`).
    package static func http(
        _ router: Router<BasicRequestContext>, port: Int, product: ProductCode, purpose: String,
        onEventLoop: EventLoopRoute? = nil, _ context: Context
    ) -> any Service {
        listener(
            router, port: port, product: product, purpose: purpose, webSocketLiveness: false,
            onEventLoop: onEventLoop.map { ($0, context.fleet, product) }, context
        ) {
            HTTP1Channel(responder: $0)
        }
    }

    /// A listener on `port` whose WebSocket upgrades are served by channel handlers on their event loops
    /// (`EventLoopWebSocketChannel`), as `decide` says, and whose other requests go to `router`. The guard pings the
    /// WebSockets unless `webSocketLiveness` is off (a protocol with its own heartbeat). While the gateway sheds, a
    /// new WebSocket is upgraded only to be closed with 1013.
    package static func webSocket(
        _ router: Router<BasicRequestContext>, port: Int, product: ProductCode, purpose: String, maxFrameSize: Int,
        webSocketLiveness: Bool = true, _ context: Context, decide: @escaping EventLoopWebSocketChannel.Decision
    ) -> any Service {
        let policy = context.policy
        return listener(
            router, port: port, product: product, purpose: purpose, webSocketLiveness: webSocketLiveness, context
        ) { responder in
            EventLoopWebSocketChannel(responder: responder, maxFrameSize: maxFrameSize) { head, channel in
                guard let factory = decide(head, channel) else { return nil }
                ConnectionGuard.upgrading(channel)
                if policy.isOverloaded, !ShedRules.continuesSession(head.uri) {
                    policy.countShed()
                    return { _ in
                        ClosingWebSocketHandler(
                            code: .init(codeNumber: 1013), reason: "server overloaded; try again later")
                    }
                }
                return factory
            }
        }
    }

    /// What every listener is: `inner`'s channels behind the connection guard (which counts them for `product`),
    /// readiness reported once bound, and a failure to listen that names this gateway, `purpose`, the address and
    /// the port.
    private static func listener<Inner: ServerChildChannel>(
        _ router: Router<BasicRequestContext>, port: Int, product: ProductCode, purpose: String,
        webSocketLiveness: Bool,
        onEventLoop: (route: EventLoopRoute, fleet: any FleetRequester, product: ProductCode)? = nil,
        _ context: Context,
        inner: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) -> Inner
    ) -> any Service {
        let policy = context.policy
        let fleet = context.fleet
        let connections = EdgeCounter.openConnections(of: product)
        let application = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GuardedChildChannel(
                    inner: inner(responder), policy: policy, webSocketLiveness: webSocketLiveness,
                    connections: connections, onEventLoop: onEventLoop)
            },
            configuration: .init(address: .hostname(context.host, port: port), serverName: "switchyard"),
            onServerRunning: { _ in fleet.listenerBound() },
            logger: context.logger)
        return ListenerService(
            application, process: "gateway \(fleet.id)", purpose: purpose, host: context.host, port: port)
    }
}
