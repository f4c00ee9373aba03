/// A count a gateway keeps of what it did to protect itself from its clients, carried in the heartbeat's long form
/// (docs/protocol.md §5.2) and shown in `/health` and `/metrics`. The raw value is the wire code; a receiver skips
/// codes it does not know, so a newer gateway may report counters an older supervisor ignores.
public enum EdgeCounter: UInt8, Sendable, Hashable, CaseIterable {
    /// A request header not complete within the header timeout (answered 408, closed).
    case headerTimeout = 1
    /// A request body that made no progress within the body timeout (answered 408, closed).
    case bodyTimeout = 2
    /// A keep-alive connection idle between requests past the idle timeout (closed).
    case idleTimeout = 3
    /// A WebSocket that answered no ping within the ping timeout (closed with 1001).
    case pingTimeout = 4
    /// A connection refused because the gateway was at its connection limit (answered 503, closed).
    case connectionRefused = 5
    /// A WebSocket client frame without a mask (closed with 1002, RFC 6455 §5.1).
    case unmaskedFrame = 6
    /// A malformed HTTP request (answered 400, 413 or 431, closed).
    case malformedRequest = 7

    /// The name in `/health` (camel case) and, in snake case, in `/metrics`.
    public var name: String {
        switch self {
        case .headerTimeout: "headerTimeouts"
        case .bodyTimeout: "bodyTimeouts"
        case .idleTimeout: "idleTimeouts"
        case .pingTimeout: "pingTimeouts"
        case .connectionRefused: "connectionsRefused"
        case .unmaskedFrame: "unmaskedFrames"
        case .malformedRequest: "malformedRequests"
        }
    }

    /// The Prometheus series name.
    public var metricName: String {
        switch self {
        case .headerTimeout: "switchyard_edge_header_timeouts"
        case .bodyTimeout: "switchyard_edge_body_timeouts"
        case .idleTimeout: "switchyard_edge_idle_timeouts"
        case .pingTimeout: "switchyard_edge_ping_timeouts"
        case .connectionRefused: "switchyard_edge_connections_refused"
        case .unmaskedFrame: "switchyard_edge_unmasked_frames"
        case .malformedRequest: "switchyard_edge_malformed_requests"
        }
    }
}
