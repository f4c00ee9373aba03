import Fleet

/// What the gateway allows one client connection, on every port (docs/operations.md, "Client limits").
package struct EdgeLimits: Sendable, Hashable {
    /// A request header must be complete within this, counted from the connection's opening or from the first byte
    /// after the previous response; past it the client gets 408 and the connection closes.
    package var headerTimeout: Duration = .seconds(30)
    /// A request body that makes no progress (no byte arrives) for this long gets 408 and the connection closes.
    package var bodyTimeout: Duration = .seconds(30)
    /// A keep-alive connection idle between requests for this long is closed.
    package var idleTimeout: Duration = .seconds(75)
    /// A step-tracker or lobby WebSocket silent for this long is pinged.
    package var webSocketPingInterval: Duration = .seconds(30)
    /// A WebSocket that sends nothing, not even the pong, within this of a ping is closed with 1001.
    package var webSocketPingTimeout: Duration = .seconds(20)
    /// Client connections the gateway holds open across all its ports; one more is answered 503 and closed.
    /// Zero means "the descriptor limit less `descriptorReserve`".
    package var maxConnections: Int = 0
    /// Descriptors kept free for the gateway's own work (ZeroMQ links, files, the runtime's `/proc` reads) when
    /// `maxConnections` is derived from the descriptor limit.
    package var descriptorReserve: Int = 128
    /// Failed lobby logins in a row after which a name is locked for `loginLockout` (its logins refused unchecked).
    package var maxFailedLogins: Int = 5
    /// How long a name stays locked after `maxFailedLogins`.
    package var loginLockout: Duration = .seconds(30)
    /// Failed logins on one lobby WebSocket after which it is closed with 1008.
    package var maxFailedLoginsPerConnection: Int = 5
    /// Lobby password checks queued or running on a gateway at most; one more is refused (REST: 503).
    package var maxQueuedPasswordChecks: Int = 16
    /// Messages per second one WebSocket (step tracker, lobby, Socket.IO) may send on average, with bursts of as
    /// many; a faster client is not read until it is back under the rate (TCP back-pressure). Zero: no limit.
    package var maxMessagesPerSecond: Int = 2000
    /// Lag of the gateway's event loops or async tasks at which it starts shedding new connections, requests and
    /// upgrades (nil: never on lag).
    package var shedLag: Duration? = .milliseconds(100)
    /// Bytes queued for clients, gateway-wide, at which it starts shedding (nil: never on queued bytes).
    package var shedQueuedBytes: Int? = 256 << 20
    /// How often the gateway checks whether the lobby's first-start accounts still accept their default passwords.
    package var defaultPasswordCheckInterval: Duration = .seconds(60)
    /// Packets one Socket.IO polling POST may carry; a payload with more gets 413 and the session survives.
    package var maxPacketsPerPayload: Int = 64
    /// The kernel send buffer of each client connection (`SO_SNDBUF`, bytes; nil: the kernel's default, which
    /// grows as far as `net.ipv4.tcp_wmem` allows, 4 MiB on Debian). A client that stops reading holds this much
    /// kernel memory, plus at most one NIO high-water mark (64 KiB) and its bounded outbox in the gateway.
    package var socketSendBuffer: Int?

    /// The defaults.
    package init() {}

    /// A pacer for one WebSocket's reads, counting what it holds back in `counters`.
    func pacer(counting counters: ProcessCounters) -> MessagePacer {
        MessagePacer(rate: maxMessagesPerSecond) { counters.add(.rateLimited) }
    }

    /// The connection limit in force for a process whose descriptor limit is `descriptors`: `maxConnections` when
    /// set, else what the limit leaves after the reserve (at least 1).
    package func connectionLimit(descriptors: Int) -> Int {
        if maxConnections > 0 { return maxConnections }
        return max(1, descriptors - descriptorReserve)
    }
}
