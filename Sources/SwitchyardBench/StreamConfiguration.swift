/// What one `switchyard-bench stream` run does.
struct StreamConfiguration: Sendable {
    /// The WebSocket endpoint (the step tracker's, without `?ack=1`: nothing is acknowledged).
    var url: WebSocketURL
    /// The REST endpoint whose `GET /users/{u}/steps` shows the totals.
    var rest: HTTPEndpoint
    /// Number of WebSocket connections.
    var connections: Int
    /// Updates sent in all, over all connections.
    var updates: Int
    /// Usernames are `user0` … `user<users-1>`.
    var users: Int
    /// `newSteps` of every update (whole, so each user's expected total is exact).
    var stepsPerUpdate: Int
    /// Event-loop threads of the client.
    var threads: Int
    /// Seconds allowed to connect and upgrade.
    var connectTimeoutSeconds: Double
    /// Seconds allowed for writing every update.
    var sendTimeoutSeconds: Double
    /// Seconds allowed, after the last update was written, for every total to read back right.
    var convergeTimeoutSeconds: Double
    /// REST connections of the poller.
    var restConnections: Int
    /// GETs each REST connection keeps in flight (HTTP/1.1 pipelining).
    var restDepth: Int
    /// Pause between two polls of users whose total was not yet right, in milliseconds.
    var pollIntervalMs: Double
    /// Processes (and their descendants) whose CPU time is reported, from the first send to the last right total.
    var observedPIDs: [Int32]

    /// Updates sent by connection `connection`: the first `updates % connections` connections send one more.
    func updates(of connection: Int) -> Int {
        updates / connections + (connection < updates % connections ? 1 : 0)
    }

    /// Global index of connection `connection`'s first update (each connection sends a contiguous block).
    func firstUpdate(of connection: Int) -> Int {
        connection * (updates / connections) + min(connection, updates % connections)
    }

    /// The user of global update `index`: round robin, so every connection reaches every user in turn and each
    /// user gets `updates / users` updates (one more for the first `updates % users`).
    func user(ofUpdate index: Int) -> Int {
        index % users
    }

    /// The total `user` must show once every update sent to it is applied (starting from nothing).
    func expectedSteps(of user: Int) -> Double {
        Double((updates / users + (user < updates % users ? 1 : 0)) * stepsPerUpdate)
    }
}
