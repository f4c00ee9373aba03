/// The outcome of one load run.
struct LoadResult: Sendable {
    /// What was run.
    var configuration: LoadConfiguration
    /// Connections that upgraded and took part.
    var connected: Int
    /// Connections that could not connect or upgrade.
    var connectFailures: Int
    /// The first of those failures, for the report.
    var firstConnectError: String?
    /// Counts merged over all connections.
    var statistics: ConnectionStatistics
    /// CPU times at the start of the measured window.
    var cpuStart: CPUSnapshot
    /// CPU times at its end.
    var cpuEnd: CPUSnapshot

    /// Length of the measured window, in seconds.
    var measuredSeconds: Double { configuration.durationSeconds }

    /// Acknowledged updates per second over the measured window.
    var updatesPerSecond: Double { Double(statistics.measuredAcks) / measuredSeconds }

    /// All errors, connection failures included.
    var errors: UInt64 { statistics.errors + UInt64(connectFailures) }
}
