/// What one load connection counted; merged over all connections for the report.
struct ConnectionStatistics: Sendable {
    /// Updates sent, warm-up included.
    var sent: UInt64 = 0
    /// Acks matched to an update in flight, warm-up included.
    var acked: UInt64 = 0
    /// Acks received inside the measured window; their latencies are in ``latency``.
    var measuredAcks: UInt64 = 0
    /// Send→ack latencies of the measured acks.
    var latency = LatencyHistogram()
    /// `{"$type":"rejected",…}` replies.
    var rejected: UInt64 = 0
    /// Replies that are neither an ack nor a rejection of this run's updates.
    var unknownReplies: UInt64 = 0
    /// Acks naming an update that is not in flight (a duplicate ack, or another connection's id).
    var unmatchedAcks: UInt64 = 0
    /// Connections the server closed, or that failed, before the run ended.
    var disconnects: UInt64 = 0
    /// Updates still unacknowledged when the run ended.
    var inFlightAtEnd: UInt64 = 0
    /// Age of the oldest of them, in nanoseconds.
    var oldestInFlightNanos: UInt64 = 0

    /// Errors of any kind (unacknowledged updates at the end are reported apart: the run cuts them off).
    var errors: UInt64 { rejected + unknownReplies + unmatchedAcks + disconnects }

    /// Adds `other`'s counts to these.
    mutating func merge(_ other: ConnectionStatistics) {
        sent += other.sent
        acked += other.acked
        measuredAcks += other.measuredAcks
        latency.merge(other.latency)
        rejected += other.rejected
        unknownReplies += other.unknownReplies
        unmatchedAcks += other.unmatchedAcks
        disconnects += other.disconnects
        inFlightAtEnd += other.inFlightAtEnd
        oldestInFlightNanos = max(oldestInFlightNanos, other.oldestInFlightNanos)
    }
}
