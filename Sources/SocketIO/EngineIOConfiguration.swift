/// Settings of an Engine.IO session; the defaults are the reference servers' (protocol reference §1.3, §1.9, §1.11).
package struct EngineIOConfiguration: Sendable, Hashable {
    /// Time between the server's pings (advertised as `pingInterval`, in ms).
    package var pingInterval: Duration
    /// Time the server waits for the pong after a ping before it closes the session (advertised as `pingTimeout`).
    package var pingTimeout: Duration
    /// Largest POST body or WebSocket message in bytes (advertised as `maxPayload`): a larger POST gets 413 and the
    /// session survives; a larger WebSocket message closes the session.
    package var maxPayload: Int
    /// Most packets one polling POST may carry: a payload with more gets 413 (nothing of it applied) and the session
    /// survives. The reference servers have no such limit; without it one 1 MB POST can carry tens of thousands of
    /// events, each of which the application must handle.
    package var maxPacketsPerPayload: Int = 64
    /// Time a probe WebSocket has to complete the upgrade (`2probe` … `5`) before it is closed.
    package var upgradeTimeout: Duration
    /// Most packets the session holds for a client that is not collecting them (polling, or during an upgrade).
    /// Queuing one more closes the session as a slow consumer: a client that stops polling would otherwise make the
    /// server buffer without bound. 1 000 packets is 40 s of two broadcasts a second with no GET at all, far beyond
    /// the gap between two polls of a live client (at most one ping interval).
    package var maxQueuedPackets: Int
    /// How long a server-initiated close on polling waits for the next GET to carry the final `1` (the reference
    /// server's 30 s); after it the session ends anyway.
    package var closeTimeout: Duration

    /// Creates settings.
    package init(
        pingInterval: Duration = .seconds(25), pingTimeout: Duration = .seconds(20), maxPayload: Int = 1_000_000,
        upgradeTimeout: Duration = .seconds(10), maxQueuedPackets: Int = 1_000, closeTimeout: Duration = .seconds(30)
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgradeTimeout = upgradeTimeout
        self.maxQueuedPackets = maxQueuedPackets
        self.closeTimeout = closeTimeout
    }

    /// The defaults: 25 s / 20 s heartbeat, 1 000 000-byte payloads, 10 s upgrades, 1 000 queued packets.
    package static let `default` = EngineIOConfiguration()
}
