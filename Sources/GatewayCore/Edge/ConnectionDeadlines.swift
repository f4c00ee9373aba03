/// The timing rules of one client connection as a pure state machine (docs/operations.md, "Client limits"): the
/// connection guard feeds it what it sees and asks for the next deadline; times are monotonic nanoseconds, passed in.
///
/// The phases follow from counts of what went by: a request whose head arrived and whose end did not is receiving
/// its body; one whose end arrived and whose response has not ended is being answered (no client deadline: the
/// gateway's own request deadline applies); otherwise the connection is between requests. After a WebSocket upgrade
/// only liveness counts: silence is answered with a ping, and a ping with silence by a close.
struct ConnectionDeadlines: Sendable, Hashable {
    /// What a passed deadline means.
    enum Expiry: Sendable, Hashable {
        /// The request header was not complete in time.
        case header
        /// The request body made no progress in time.
        case body
        /// The keep-alive connection stayed idle too long.
        case idle
        /// A WebSocket was silent for the ping interval: send a ping.
        case ping
        /// A WebSocket stayed silent for the ping timeout after a ping.
        case pingTimeout
    }

    private let limits: EdgeLimits
    /// Whether the guard pings an upgraded connection (off where the protocol has its own heartbeat).
    private let webSocketLiveness: Bool
    private var heads = 0
    private var requestEnds = 0
    private var responseHeads = 0
    private var responseEnds = 0
    private var lastInbound: Int64
    private var idleSince: Int64
    private var firstByteWhileIdle: Int64?
    private var pingSentAt: Int64?
    /// Whether the connection is now a WebSocket.
    private(set) var upgraded = false

    /// A connection opened at `now`.
    init(limits: EdgeLimits, webSocketLiveness: Bool, openedAt now: Int64) {
        self.limits = limits
        self.webSocketLiveness = webSocketLiveness
        self.lastInbound = now
        self.idleSince = now
    }

    private var isIdle: Bool { heads == requestEnds && responseEnds >= requestEnds }

    /// Whether the guard may write a response itself: none is being written, and the request in hand (or the one
    /// whose header is arriving) has not been answered yet.
    var canRespond: Bool {
        !upgraded && responseHeads == responseEnds && (responseEnds < heads || heads == requestEnds)
    }

    /// Bytes arrived from the client.
    mutating func received(at now: Int64) {
        lastInbound = now
        pingSentAt = nil
        if !upgraded, isIdle, firstByteWhileIdle == nil { firstByteWhileIdle = now }
    }

    /// A request head was decoded.
    mutating func requestHead(at now: Int64) {
        heads += 1
        firstByteWhileIdle = nil
    }

    /// A request's end was decoded.
    mutating func requestEnd(at now: Int64) { requestEnds += 1 }

    /// A response head was written.
    mutating func responseHead(at now: Int64) { responseHeads += 1 }

    /// A response's end was written.
    mutating func responseEnd(at now: Int64) {
        responseEnds += 1
        if isIdle {
            idleSince = now
            firstByteWhileIdle = nil
        }
    }

    /// The connection became a WebSocket.
    mutating func upgrade(at now: Int64) {
        upgraded = true
        lastInbound = now
        pingSentAt = nil
    }

    /// The guard sent a ping.
    mutating func pinged(at now: Int64) { pingSentAt = now }

    /// The next deadline and what its passing means; nil while none applies.
    var next: (at: Int64, expiry: Expiry)? {
        if upgraded {
            guard webSocketLiveness else { return nil }
            if let pingSentAt { return (pingSentAt + limits.webSocketPingTimeout.nanoseconds, .pingTimeout) }
            return (lastInbound + limits.webSocketPingInterval.nanoseconds, .ping)
        }
        if heads > requestEnds { return (lastInbound + limits.bodyTimeout.nanoseconds, .body) }
        if responseEnds < requestEnds { return nil }
        // A new connection owes its first header from the moment it opened (bytes trickled in late buy no time);
        // between requests the client may rest for the idle timeout, and the header clock starts at its first byte.
        if responseEnds == 0 { return (idleSince + limits.headerTimeout.nanoseconds, .header) }
        if let firstByteWhileIdle { return (firstByteWhileIdle + limits.headerTimeout.nanoseconds, .header) }
        return (idleSince + limits.idleTimeout.nanoseconds, .idle)
    }

    /// What has expired at `now`, if anything.
    func expired(at now: Int64) -> Expiry? {
        guard let next, next.at <= now else { return nil }
        return next.expiry
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? .max : scaled + attoseconds / 1_000_000_000
    }
}
