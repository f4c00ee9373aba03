/// What one `switchyard-bench lobby-load` run does.
struct LobbyLoadConfiguration: Sendable {
    /// A process whose resident memory is sampled, under a name for the report (`g1`).
    struct MemoryProcess: Sendable {
        /// Name in the report.
        var name: String
        /// Process id.
        var pid: Int32
    }

    /// The lobby WebSocket endpoints; subscriber i connects to `urls[i % urls.count]`.
    var urls: [WebSocketURL]
    /// Where the admin connects.
    var adminURL: WebSocketURL
    /// Subscribed connections.
    var subscribers: Int
    /// Changes the admin sends per second.
    var rate: Double
    /// Seconds of changes before measuring starts.
    var warmupSeconds: Double
    /// Seconds measured.
    var durationSeconds: Double
    /// Seconds allowed, after the last change, for every subscriber to receive it.
    var drainSeconds: Double
    /// Seconds between the last subscription and the memory sample taken before the changes start.
    var settleSeconds: Double
    /// Event-loop threads of the client.
    var threads: Int
    /// Connections opened (and subscribed) at once.
    var connectBatch: Int
    /// Seconds allowed for one connection to connect, upgrade, log in and receive `table_list`.
    var connectTimeoutSeconds: Double
    /// The table the admin updates.
    var tableID: Int64
    /// Credentials of the subscribers.
    var username: String
    var password: String
    /// Credentials of the admin.
    var adminUsername: String
    var adminPassword: String
    /// Processes (and their descendants) whose CPU time is reported for the measured window.
    var observedPIDs: [Int32]
    /// Processes whose resident memory is sampled; the n-th serves `urls[n]` (memory per subscriber).
    var memoryProcesses: [MemoryProcess]
}

/// When the admin sends, on the monotonic clock of `NIODeadline.uptimeNanoseconds`.
struct LobbyLoadSchedule: Sendable {
    /// Change n is due at `start + n / rate`.
    var start: UInt64
    /// Changes sent from here on are measured (their latencies), and deliveries received from here on counted.
    var measureStart: UInt64
    /// No change is sent from here on; deliveries received from here on are not counted in deliveries/s.
    var measureEnd: UInt64
    /// Changes per second.
    var rate: Double

    /// Monotonic time at which change `number` is due.
    func due(_ number: UInt64) -> UInt64 { start + UInt64((Double(number) * 1e9 / rate).rounded()) }
}
