/// The outcome of one stream run. Times are monotonic nanoseconds (`NIODeadline.uptimeNanoseconds`).
struct StreamResult: Sendable {
    /// What was run.
    var configuration: StreamConfiguration
    /// Counts merged over all connections.
    var statistics: StreamConnectionStatistics
    /// Users whose total was not 0 before the run (a server that was used before).
    var usersKnownBefore: Int
    /// When the first update was handed to a connection.
    var startNanos: UInt64
    /// When the kernel had taken the last update of every connection.
    var writtenNanos: UInt64
    /// What the REST poll after the writes found; `finishedNanos` is when the last user read back right.
    var poll: StepsPollOutcome
    /// The total every user had to reach, by user.
    var expected: [Double]
    /// CPU times at the first send.
    var cpuStart: CPUSnapshot
    /// CPU times when the last update was written.
    var cpuWritten: CPUSnapshot
    /// CPU times when every total was right (or the poll gave up); its `nanos` is that moment.
    var cpuEnd: CPUSnapshot

    /// Every user read back its exact total.
    var converged: Bool { poll.finishedNanos != nil && poll.overcounted.isEmpty }

    /// Seconds from the first send to the last right total (to the end of the poll when it never came).
    var elapsedSeconds: Double { Double(cpuEnd.nanos &- startNanos) / 1e9 }

    /// Seconds from the first send until the kernel had taken every update.
    var sendSeconds: Double { Double(writtenNanos &- startNanos) / 1e9 }

    /// Seconds from the last write until the last total was right.
    var settleSeconds: Double { Double(cpuEnd.nanos &- writtenNanos) / 1e9 }

    /// Updates per second, first send to every total right.
    var updatesPerSecond: Double { elapsedSeconds > 0 ? Double(configuration.updates) / elapsedSeconds : 0 }

    /// Errors of any kind: users never right, users counted past their total, connections lost.
    var errors: UInt64 {
        UInt64(poll.behind.count + poll.overcounted.count) + statistics.disconnects + statistics.unexpectedFrames
    }
}
