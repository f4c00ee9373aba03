/// What one `switchyard-bench load` run does.
struct LoadConfiguration: Sendable {
    /// The WebSocket endpoint (the step tracker's, with `?ack=1`).
    var url: WebSocketURL
    /// Number of WebSocket connections.
    var connections: Int
    /// Updates each connection keeps in flight (sent, not yet acknowledged).
    var window: Int
    /// Seconds of load before measuring starts; acks in this time are not counted.
    var warmupSeconds: Double
    /// Seconds measured.
    var durationSeconds: Double
    /// Usernames are spread over this many users (`user0` …).
    var users: Int
    /// Event-loop threads of the client.
    var threads: Int
    /// Seconds allowed for connecting and upgrading every connection.
    var connectTimeoutSeconds: Double
    /// Processes (and their descendants) whose CPU time is reported for the measured window.
    var observedPIDs: [Int32]
}
