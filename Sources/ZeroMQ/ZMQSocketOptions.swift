/// Options applied when the socket is created, before any bind or connect (libzmq ignores some of them afterwards).
package struct ZMQSocketOptions: Sendable {
    /// `ZMQ_SNDHWM`: messages libzmq queues per peer before a send would block (or PUB drops).
    package var sendHighWaterMark: Int32 = 100_000
    /// `ZMQ_RCVHWM`: messages libzmq queues per peer on the receiving side.
    package var receiveHighWaterMark: Int32 = 100_000
    /// `ZMQ_LINGER`: bounded so `zmq_ctx_term` never hangs on undelivered messages; also bounds the shutdown flush.
    package var lingerMilliseconds: Int32 = 200
    /// `ZMQ_ROUTING_ID`, for a DEALER whose ROUTER peer must recognise it across reconnects.
    package var identity: [UInt8]? = nil
    /// `ZMQ_SUBSCRIBE` prefixes; SUB only.
    package var subscriptions: [[UInt8]] = []
    /// `ZMQ_ROUTER_MANDATORY`: a ROUTER send to an unknown peer fails (and is counted as dropped) instead of vanishing.
    package var routerMandatory: Bool = false
    /// `ZMQ_IMMEDIATE`: queue only to completed connections.
    package var immediate: Bool = false
    /// `ZMQ_RECONNECT_IVL`.
    package var reconnectIntervalMilliseconds: Int32 = 100
    /// `ZMQ_RECONNECT_IVL_MAX`: caps the exponential back-off.
    package var reconnectIntervalMaxMilliseconds: Int32 = 1000
    /// `ZMQ_MAXMSGSIZE`: a peer sending a larger message is disconnected; -1 means the engine's default.
    package var maxMessageSize: Int64 = -1
    /// `ZMQ_HEARTBEAT_IVL`: ZMTP ping interval; 0 turns heartbeats off.
    package var heartbeatIntervalMilliseconds: Int32 = 0

    /// The security mechanism (CURVE server or client, or none).
    package var security: ZMQSecurity = .none

    /// Whether every received message starts with one more frame: the ZAP User-Id of the connection it came by
    /// (for a CURVE server, the name `ZMQCurveAuthenticator` gave the peer's key; empty without one). Routing ids
    /// are the peer's choice; this frame is the only word on who sent a message that the peer cannot forge.
    package var peerUserIDFrame = false

    /// Rewrites the messages that queued up for this socket while the I/O thread was busy, just before they are
    /// sent, in order (to pack several into one; the wire protocol's batches). Called only with two or more
    /// messages; nil sends each as it is.
    package var coalesce: (@Sendable ([ZMQMessage]) -> [ZMQMessage])? = nil

    /// The defaults above.
    package init() {}
}
