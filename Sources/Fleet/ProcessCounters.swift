import Synchronization
public import Wire

/// Counters a process reports to the supervisor in each heartbeat (and so in `/metrics`).
public final class ProcessCounters: Sendable {
    private struct Values {
        var processed: UInt64 = 0
        var malformed: UInt64 = 0
        var ready = false
        var slowClientsClosed: UInt64 = 0
        var edge: [EdgeCounter: UInt64] = [:]
    }
    private let values = Mutex(Values())

    /// Creates zeroed counters.
    public init() {}

    /// Counts `n` processed commands or requests.
    public func addProcessed(_ n: Int) { values.withLock { $0.processed &+= UInt64(n) } }
    /// Counts one dropped malformed message.
    public func addMalformed() { values.withLock { $0.malformed &+= 1 } }
    /// Counts one client connection closed because its outgoing queue passed its limit.
    public func addSlowClientClosed() { values.withLock { $0.slowClientsClosed &+= 1 } }
    /// Counts one thing the gateway did to protect itself from a client (a timeout, a refusal, a protocol close).
    public func add(_ counter: EdgeCounter, count: Int = 1) {
        values.withLock { $0.edge[counter, default: 0] &+= UInt64(max(count, 0)) }
    }
    /// Sets a reported value that is a state, not a count (`EdgeCounter.defaultPasswordAccounts`).
    public func set(_ counter: EdgeCounter, to value: UInt64) { values.withLock { $0.edge[counter] = value } }
    /// Moves a state counter by `delta` (never below 0): a connection opened (+1) or closed (-1).
    public func adjust(_ counter: EdgeCounter, by delta: Int) {
        values.withLock { values in
            let current = Int64(clamping: values.edge[counter] ?? 0)
            values.edge[counter] = UInt64(max(0, current + Int64(delta)))
        }
    }
    /// The current value of an edge counter.
    public func value(of counter: EdgeCounter) -> UInt64 { values.withLock { $0.edge[counter] ?? 0 } }
    /// Marks the process ready (or not).
    public func setReady(_ ready: Bool) { values.withLock { $0.ready = ready } }
    /// Malformed messages so far.
    public var malformed: UInt64 { values.withLock { $0.malformed } }

    /// The heartbeat body for the current values, the engine's count of dropped outbound messages and the
    /// partitions whose files are open (none for a gateway).
    public func heartbeat(droppedOutbound: Int, heldPartitions: [UInt16] = []) -> HeartbeatMessage {
        values.withLock {
            HeartbeatMessage(
                processed: $0.processed, malformed: $0.malformed, dropped: UInt64(max(0, droppedOutbound)),
                ready: $0.ready, slowClientsClosed: $0.slowClientsClosed, heldPartitions: heldPartitions, edge: $0.edge)
        }
    }
}
