package import Fleet
package import Presence
package import Steps
package import Storage
import Wire

/// Settings of one worker process (docs/operations.md).
package struct WorkerConfiguration: Sendable {
    /// Worker id, unique in the fleet (`w1`).
    package var id: String
    /// The supervisor's control ROUTER.
    package var supervisorEndpoint: String
    /// Where to bind the command ROUTER; `tcp://127.0.0.1:*` picks a free port, reported in `hello`.
    package var commandEndpoint: String
    /// Where to bind the reply/event PUB.
    package var publishEndpoint: String
    /// Folder holding one SQLite file per partition.
    package var dataDirectory: String
    /// Commit durability.
    package var durability: Durability
    /// Threads that run the partitions' transactions (each partition is served by one of them, so this also bounds
    /// the fsyncs in flight).
    package var commitThreads: Int
    /// With `full` durability, make commits durable with one `syncfs` per commit round (Linux) instead of one fsync
    /// per partition transaction. Off: SQLite's own `synchronous=FULL`.
    package var roundBarrier: Bool
    /// Answer the reads of an idle partition on the ZeroMQ I/O thread from a read-only connection (on), or queue
    /// them for the partition's commit thread like writes (off: for a data set much larger than memory, where a
    /// read that misses the page cache would hold the I/O thread, and every partition's traffic, for a disk read).
    package var readsOnIOThread = true
    /// Heartbeat period towards the supervisor.
    package var heartbeatInterval: Duration
    /// Step-tracker limits (dedupe window, name lengths).
    package var stepsLimits: StepsLimits
    /// Exit when the launching supervisor is gone.
    package var exitWhenOrphaned: Bool
    /// Presence lifetimes; the worker applies the timeouts (contracts §3).
    package var presenceSettings: PresenceSettings
    /// How often the worker checks for presence timeouts that are due; a user turns away or is removed at most this
    /// much after its deadline.
    package var presenceSweepInterval: Duration
    /// Without word from the supervisor for this long, the worker stops serving until it hears again (a worker of
    /// another host; nil for the supervisor's own children, which exit when it is gone).
    package var lease: Duration?
    /// Host name or address put in the endpoints the worker announces, for a bind address such as `0.0.0.0` that
    /// others cannot connect to.
    package var advertiseHost: String?
    /// Largest frame accepted on any of its ZeroMQ sockets; a peer sending more is disconnected.
    package var maxWireMessageBytes: Int = WireConstants.defaultMaxMessageBytes
    /// How its ZeroMQ links are secured (CURVE with its key file, or insecure for debugging).
    package var security: LinkSecurity = .insecure

    /// Creates a configuration with the defaults of `switchyard up`.
    package init(
        id: String, supervisorEndpoint: String, dataDirectory: String,
        commandEndpoint: String = "tcp://127.0.0.1:*", publishEndpoint: String = "tcp://127.0.0.1:*",
        durability: Durability = .full, commitThreads: Int = 2, roundBarrier: Bool = true,
        heartbeatInterval: Duration = .milliseconds(250),
        stepsLimits: StepsLimits = .default, exitWhenOrphaned: Bool = false,
        presenceSettings: PresenceSettings = PresenceSettings(), presenceSweepInterval: Duration = .milliseconds(100)
    ) {
        self.presenceSettings = presenceSettings
        self.presenceSweepInterval = presenceSweepInterval
        self.id = id
        self.supervisorEndpoint = supervisorEndpoint
        self.commandEndpoint = commandEndpoint
        self.publishEndpoint = publishEndpoint
        self.dataDirectory = dataDirectory
        self.durability = durability
        self.commitThreads = max(1, commitThreads)
        self.roundBarrier = roundBarrier
        self.heartbeatInterval = heartbeatInterval
        self.stepsLimits = stepsLimits
        self.exitWhenOrphaned = exitWhenOrphaned
    }
}
