package import HummingbirdCore
package import Logging
package import NIOCore
import NIOHTTP1
package import Wire

/// A server child channel that puts a `ConnectionGuard` in front of another one's pipeline (and its observer behind
/// the HTTP decoder), so that every port of the gateway gets the same limits whatever stack serves it.
package struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    package typealias Value = Inner.Value

    let inner: Inner
    let policy: EdgePolicy
    let webSocketLiveness: Bool
    let connections: EdgeCounter?
    /// The port's requests answered on the event loop, with the fleet they go to and the product they count for.
    let onEventLoop: (route: EventLoopRoute, fleet: any FleetRequester, product: ProductCode)?

    /// `inner` behind the guard of `policy`; `webSocketLiveness` makes the guard ping its WebSockets; `connections`
    /// counts the port's open connections for its product; `onEventLoop` puts an `EventLoopRequestHandler` in front
    /// of the router.
    package init(
        inner: Inner, policy: EdgePolicy, webSocketLiveness: Bool, connections: EdgeCounter? = nil,
        onEventLoop: (route: EventLoopRoute, fleet: any FleetRequester, product: ProductCode)? = nil
    ) {
        self.inner = inner
        self.policy = policy
        self.webSocketLiveness = webSocketLiveness
        self.connections = connections
        self.onEventLoop = onEventLoop
    }

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let connectionGuard = ConnectionGuard(
            policy: policy, webSocketLiveness: webSocketLiveness, connections: connections)
        do {
            if let bytes = policy.limits.socketSendBuffer {
                try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bytes))
            }
            try channel.pipeline.syncOperations.addHandler(connectionGuard, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(
                type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let observer = HTTPPhaseObserver(guard: connectionGuard)
            try channel.pipeline.syncOperations.addHandler(observer, position: .after(decoder))
            connectionGuard.observer = observer
            if let onEventLoop {
                let handler = EventLoopRequestHandler(
                    route: onEventLoop.route, fleet: onEventLoop.fleet, policy: policy, product: onEventLoop.product)
                try channel.pipeline.syncOperations.addHandler(handler, position: .after(observer))
            }
            return value
        }
    }

    package func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension ConnectionGuard {
    /// Tells the guard of `channel` that its upgrade to a WebSocket was accepted. Call it from a synchronous
    /// `shouldUpgrade`, which runs on the channel's event loop before the HTTP handlers are removed.
    package static func upgrading(_ channel: any Channel) {
        // Off the event loop the observer could not be removed before the HTTP decoder hands it WebSocket bytes.
        assert(channel.eventLoop.inEventLoop, "ConnectionGuard.upgrading must run in a synchronous shouldUpgrade")
        guard channel.eventLoop.inEventLoop,
            let connectionGuard = try? channel.pipeline.syncOperations.handler(type: ConnectionGuard.self)
        else { return }
        connectionGuard.upgrading()
    }
}
