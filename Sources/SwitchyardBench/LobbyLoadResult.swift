/// The outcome of one lobby load run.
struct LobbyLoadResult: Sendable {
    /// Resident memory of one sampled process, in KiB, at the run's four points (nil: not readable).
    struct Memory: Sendable {
        /// Its name (`g1`).
        var name: String
        /// Before any connection.
        var before: UInt64?
        /// After every subscriber received `table_list`, and `--settle` seconds more.
        var subscribed: UInt64?
        /// At the end of the measured window.
        var loaded: UInt64?
        /// After the drain, before the connections close.
        var drained: UInt64?
    }

    /// What was run.
    var configuration: LobbyLoadConfiguration
    /// Subscribers that received `table_list`, per URL.
    var subscribedPerURL: [Int]
    /// Subscribers that could not connect, log in or subscribe, and the first reason.
    var subscribeFailures: Int
    var firstSubscribeError: String?
    /// Seconds from the first connection to the last `table_list`.
    var subscribeSeconds: Double
    /// What the admin counted.
    var admin: LobbyAdminStatistics
    /// What the subscribers counted.
    var deliveries: LobbyDeliveryStatistics
    /// Monotonic time at which the admin's first change was due.
    var adminStartNanos: UInt64
    /// Nanoseconds from the end of the measured window until every open subscriber had the last change; nil when
    /// some had not within `--drain`.
    var drainNanos: UInt64?
    /// Open subscribers still missing the last change when the drain ended.
    var behindAtEnd: Int
    /// CPU times at the start and end of the measured window.
    var cpuStart: CPUSnapshot
    var cpuEnd: CPUSnapshot
    /// Resident memory of the `--memory-pid` processes.
    var memory: [Memory]

    /// Subscribers that received `table_list`.
    var subscribed: Int { subscribedPerURL.reduce(0, +) }

    /// Deliveries received in the measured window, per second.
    var deliveriesPerSecond: Double {
        Double(deliveries.total.windowDeliveries) / configuration.durationSeconds
    }

    /// Deliveries the window would hold if every subscriber got every change at the rate: rate × subscribers.
    var expectedPerSecond: Double { configuration.rate * Double(subscribed) }
}
