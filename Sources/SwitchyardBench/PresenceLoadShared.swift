import Synchronization

/// What the clients of one presence load share across event loops: the progress counters the runner waits on, and
/// the board of recent pings the observers time other clients' pings against.
final class PresenceLoadShared: Sendable {
    /// Clients that completed the Socket.IO connect.
    let connected = Atomic<Int>(0)
    /// Clients that saw their registration ping (sequence 0) in a list.
    let registered = Atomic<Int>(0)
    /// Load pings sent and not yet seen by their sender (nor given up with a lost connection).
    let outstanding = Atomic<Int>(0)
    /// The recent pings of every client.
    let board: PresencePingBoard

    /// Creates the shared state of `clients` clients.
    init(clients: Int) {
        board = PresencePingBoard(clients: clients)
    }
}

/// The last ``depth`` pings of every client (sequence, send time, measured or not), so that an observer that sees a
/// user's status change can tell which ping it was and when it was sent.
final class PresencePingBoard: Sendable {
    /// One ping on the board.
    struct Ping: Sendable {
        /// The client's ping number (0 is the registration ping); `UInt32.max` in an empty slot.
        var sequence: UInt32 = .max
        /// Monotonic send time in nanoseconds.
        var sentAt: UInt64 = 0
        /// Whether the ping's slot lies in the measured window.
        var measured = false
    }

    /// Pings kept per client: an observer more than this many pings of one user behind cannot time it.
    static let depth = 4

    private let pings: Mutex<[Ping]>

    /// Creates an empty board for `clients` clients.
    init(clients: Int) {
        pings = Mutex(Array(repeating: Ping(), count: clients * Self.depth))
    }

    /// Records client `client`'s ping `sequence`, sent at `sentAt`.
    func record(client: Int, sequence: UInt32, sentAt: UInt64, measured: Bool) {
        pings.withLock { pings in
            pings[client * Self.depth + Int(sequence % UInt32(Self.depth))] = Ping(
                sequence: sequence, sentAt: sentAt, measured: measured)
        }
    }

    /// Runs `body` with a lookup of (client, sequence) → ping, under the board's lock.
    func withLookup(_ body: ((Int, UInt32) -> Ping?) -> Void) {
        pings.withLock { pings in
            let table = pings
            body { client, sequence in
                let ping = table[client * Self.depth + Int(sequence % UInt32(Self.depth))]
                return ping.sequence == sequence ? ping : nil
            }
        }
    }
}

/// What one presence client counted; merged over all clients for the report.
struct PresenceStatistics: Sendable {
    /// Clients that completed the Socket.IO connect (1 or 0 per client).
    var connected: UInt64 = 0
    /// Clients that saw their registration ping in a list.
    var registered: UInt64 = 0
    /// Clients that had received `online-users-list` and `online-users-count` (sent on connect) when they registered.
    var initialEvents: UInt64 = 0
    /// Load pings sent, warm-up included.
    var sent: UInt64 = 0
    /// Load pings whose slot was in the measured window.
    var measuredSent: UInt64 = 0
    /// Load pings seen by their sender, warm-up included.
    var observed: UInt64 = 0
    /// Measured pings seen by their sender; their latencies are in ``latency``.
    var measuredObserved: UInt64 = 0
    /// Ping slots in the measured window skipped because the client's previous ping was not seen yet.
    var measuredSkipped: UInt64 = 0
    /// Load pings not seen by their sender when the run ended (or its connection was lost).
    var unobserved: UInt64 = 0
    /// Send → the sender's first list showing the new status.
    var latency = LatencyHistogram()
    /// Send → an observer's first list showing the new status (measured pings of other clients).
    var observerLatency = LatencyHistogram()
    /// Status changes an observer saw but could not time (the ping had left the board).
    var observerUntimed: UInt64 = 0
    /// `online-users-list` frames received in the measured window.
    var measuredLists: UInt64 = 0
    /// Their payload bytes.
    var measuredListBytes: UInt64 = 0
    /// `online-users-count` frames received in the measured window.
    var measuredCounts: UInt64 = 0
    /// Payload bytes of every text frame received in the measured window.
    var measuredBytes: UInt64 = 0
    /// The largest list frame received, in bytes.
    var largestList: UInt64 = 0
    /// Engine.IO pings answered.
    var enginePings: UInt64 = 0
    /// `away` entries seen for this client (its own) or, by observers, for others: nobody should time out.
    var away: UInt64 = 0
    /// Connections closed by the server or failed before the run ended.
    var disconnects: UInt64 = 0
    /// Socket.IO DISCONNECT or CONNECT_ERROR packets from the server.
    var serverDisconnects: UInt64 = 0
    /// Frames that are none of the above.
    var unknownFrames: UInt64 = 0

    /// Errors of any kind.
    var errors: UInt64 { disconnects + serverDisconnects + unknownFrames + away }

    /// Adds `other`'s counts to these.
    mutating func merge(_ other: PresenceStatistics) {
        connected += other.connected
        registered += other.registered
        initialEvents += other.initialEvents
        sent += other.sent
        measuredSent += other.measuredSent
        observed += other.observed
        measuredObserved += other.measuredObserved
        measuredSkipped += other.measuredSkipped
        unobserved += other.unobserved
        latency.merge(other.latency)
        observerLatency.merge(other.observerLatency)
        observerUntimed += other.observerUntimed
        measuredLists += other.measuredLists
        measuredListBytes += other.measuredListBytes
        measuredCounts += other.measuredCounts
        measuredBytes += other.measuredBytes
        largestList = max(largestList, other.largestList)
        enginePings += other.enginePings
        away += other.away
        disconnects += other.disconnects
        serverDisconnects += other.serverDisconnects
        unknownFrames += other.unknownFrames
    }
}

/// Where a presence client leaves its counts when it finishes or its channel closes.
final class PresenceStatisticsSlot: Sendable {
    private let value = Mutex<PresenceStatistics?>(nil)

    /// Creates an empty slot.
    init() {}

    /// Stores `statistics`, replacing what was there.
    func publish(_ statistics: PresenceStatistics) {
        value.withLock { $0 = statistics }
    }

    /// The last published counts, if any.
    var statistics: PresenceStatistics? {
        value.withLock { $0 }
    }
}
