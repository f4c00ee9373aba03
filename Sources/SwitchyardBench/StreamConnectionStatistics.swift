/// What one stream connection counted; merged over all connections for the report.
struct StreamConnectionStatistics: Sendable {
    /// Updates handed to the channel.
    var sent: UInt64 = 0
    /// Times the channel stopped taking writes (its buffer reached the high-water mark) and the connection waited.
    var writabilityWaits: UInt64 = 0
    /// Monotonic time at which the connection's last update was written; 0 while it has not been.
    var lastWrittenNanos: UInt64 = 0
    /// Text or binary frames the server sent (it should send none without `?ack=1`).
    var unexpectedFrames: UInt64 = 0
    /// Connections the server closed, or that failed, before the run ended.
    var disconnects: UInt64 = 0
    /// The close code the server sent, if it closed the connection.
    var closeCode: UInt16?

    /// Adds `other`'s counts to these.
    mutating func merge(_ other: StreamConnectionStatistics) {
        sent += other.sent
        writabilityWaits += other.writabilityWaits
        lastWrittenNanos = max(lastWrittenNanos, other.lastWrittenNanos)
        unexpectedFrames += other.unexpectedFrames
        disconnects += other.disconnects
        closeCode = closeCode ?? other.closeCode
    }
}
