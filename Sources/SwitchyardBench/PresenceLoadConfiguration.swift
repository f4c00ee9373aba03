/// What one `switchyard-bench presence-load` run does.
struct PresenceLoadConfiguration: Sendable {
    /// The Socket.IO WebSocket endpoint (`ws://…/socket.io/?EIO=4&transport=websocket`).
    var url: WebSocketURL
    /// Socket.IO clients; client i pings as user `firstUserID + i`.
    var clients: Int
    /// Pings per second offered by all clients together, spread evenly over them.
    var rate: Double
    /// Seconds of load before measuring starts; pings sent in this time are not counted.
    var warmupSeconds: Double
    /// Seconds measured.
    var durationSeconds: Double
    /// Longest wait after the measured window for pings still unseen by their sender.
    var drainSeconds: Double
    /// Seconds the connected clients stay idle before the gateway's memory is read.
    var idleSeconds: Double
    /// Clients that also time every other client's pings (they parse every list they receive).
    var observers: Int
    /// User id of client 0.
    var firstUserID: Int
    /// Event-loop threads of the client.
    var threads: Int
    /// Seconds allowed for one client's TCP connect, WebSocket upgrade and Socket.IO connect.
    var connectTimeoutSeconds: Double
    /// Seconds allowed for every client to see its first ping in a broadcast list.
    var registerTimeoutSeconds: Double
    /// The gateway process whose memory (`/proc/<pid>/status`) is read between the phases.
    var gatewayPID: Int32?
    /// Processes (and their descendants) whose CPU time is reported for the measured window.
    var observedPIDs: [Int32]
}

/// When started clients ping and count, on the monotonic clock of `NIODeadline.uptimeNanoseconds`.
struct PresenceSchedule: Sendable {
    /// The first ping slot.
    var loadStart: UInt64
    /// Pings whose slot is from here on are measured, and so are the frames received.
    var measureStart: UInt64
    /// No ping slot from here on; frames received from here on are not counted.
    var measureEnd: UInt64
}
