/// Why an Engine.IO session ended.
package enum EngineIOCloseReason: String, Sendable, Hashable, CustomStringConvertible {
    /// The client sent `1` (JS reason "transport close").
    case clientClose
    /// The session's WebSocket closed or hit EOF (JS "transport close").
    case transportClose
    /// No pong within `pingTimeout` of a ping (JS "ping timeout").
    case pingTimeout
    /// A packet that does not decode (JS "parse error").
    case parseError
    /// The client sent a ping: in v4 only the server pings (JS "invalid heartbeat direction").
    case invalidHeartbeatDirection
    /// A second GET arrived while one was held (JS "transport error").
    case pollOverlap
    /// A POST declared `Content-Type: application/octet-stream`, which v4 polling never uses (JS "transport error").
    case invalidContentType
    /// A WebSocket message larger than `maxPayload` (JS closes the socket with 1009).
    case messageTooLarge
    /// The outbound queue passed `maxQueuedPackets`: the client is not collecting what it is sent.
    case slowConsumer
    /// The application closed the session (JS "forced close").
    case serverClose

    /// The reason's name, e.g. `pingTimeout`.
    package var description: String { rawValue }
}
