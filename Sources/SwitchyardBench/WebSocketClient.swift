import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The benchmark clients' WebSocket connect: TCP, the HTTP upgrade (`UpgradeRequestHandler`), then the connection's
/// own handler, with one deadline for all of it. Every benchmark client connects through it: the step-tracker load and
/// stream clients, the lobby's and the presence (Socket.IO) one.
enum WebSocketClient {
    /// Connects to `url` and completes once the WebSocket upgrade did; `install` adds the connection's handler
    /// (on the channel's loop, during the upgrade).
    static func connect(
        url: WebSocketURL, on eventLoop: any EventLoop, timeoutSeconds: Double, maxFrameSize: Int,
        install: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let upgraded = eventLoop.makePromise(of: Void.self)
        let timeout = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeoutSeconds * 1e9))) {
            upgraded.fail(LoadError.upgradeTimedOut)
        }
        upgraded.futureResult.whenComplete { _ in timeout.cancel() }

        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(Int64(timeoutSeconds * 1e9)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try install(channel)
                            upgraded.succeed()
                        }
                    }
                    // A server may send its first frame in the same read as its 101 (Engine.IO's open packet):
                    // the HTTP decoder must hand those bytes on to the WebSocket decoder rather than drop them.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.removeHandler(name: UpgradeRequestHandler.name, promise: nil)
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeRequestHandler(url: url, upgraded: upgraded), name: UpgradeRequestHandler.name)
                }
            }
        return bootstrap.connect(host: url.host, port: url.port)
            .flatMapError { error in
                upgraded.fail(error)
                return eventLoop.makeFailedFuture(error)
            }
            .flatMap { channel in
                upgraded.futureResult.map { channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
    }
}
