public import Foundation
import Synchronization
public import Wire

/// What the supervisor knows of every process, and the partition map it derives (the fleet's directory).
public final class ProcessRegistry: Sendable {
    /// Life-cycle state of a process.
    public enum ProcessState: String, Sendable {
        /// Launched, no hello yet.
        case starting
        /// Said hello.
        case running
        /// Exited; waiting for its restart.
        case exited
        /// Stopped for good (fleet shutting down).
        case stopped
    }

    /// One process's record, as `/health` shows it.
    public struct Record: Sendable {
        /// Process id.
        public var id: String
        /// Role.
        public var role: ProcessRole
        /// Operating-system pid of the current incarnation.
        public var pid: Int32?
        /// Life-cycle state.
        public var state: ProcessState
        /// Restarts so far.
        public var restarts: Int
        /// Wall-clock time of the last heartbeat or hello.
        public var lastHeartbeat: Date?
        /// Monotonic time of the same, for ages.
        public var lastHeartbeatAt: ContinuousClock.Instant?
        /// Whether its last heartbeat said it serves.
        public var ready: Bool
        /// Commands or requests it processed (from its heartbeat).
        public var processed: UInt64
        /// Malformed messages it dropped (from its heartbeat).
        public var malformed: UInt64
        /// Outbound messages it dropped (from its heartbeat).
        public var dropped: UInt64
        /// Client connections it closed for falling behind (from its heartbeat; gateways).
        public var slowClientsClosed: UInt64 = 0
        /// Worker endpoints from its hello.
        public var commandEndpoint: String
        /// Worker endpoints from its hello.
        public var publishEndpoint: String
        /// Partitions it owns (workers).
        public var partitions: [UInt16]
        /// ROUTER identity of the current incarnation.
        var identity: [UInt8]?
    }

    private struct State {
        var records: [String: Record]
        var order: [String]
        var epoch: UInt64 = 1
        var partitionCount: Int
        var malformed: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Creates records for every process of `spec`, with partitions dealt round-robin.
    public init(spec: FleetSpec) {
        let assignment = PartitionMap.roundRobin(partitionCount: spec.partitionCount, workerIDs: spec.workerIDs)
        var records: [String: Record] = [:]
        var order: [String] = []
        func add(_ id: String, _ role: ProcessRole, _ partitions: [UInt16]) {
            records[id] = Record(
                id: id, role: role, pid: nil, state: .starting, restarts: 0, lastHeartbeat: nil, lastHeartbeatAt: nil,
                ready: false, processed: 0, malformed: 0, dropped: 0, commandEndpoint: "", publishEndpoint: "",
                partitions: partitions, identity: nil)
            order.append(id)
        }
        for id in spec.workerIDs { add(id, .worker, assignment[id] ?? []) }
        for gateway in spec.gateways { add(gateway.id, .gateway, []) }
        state = Mutex(State(records: records, order: order, partitionCount: spec.partitionCount))
    }

    /// Every record, workers first, in spec order.
    public var records: [Record] { state.withLock { s in s.order.compactMap { s.records[$0] } } }

    /// The current map epoch.
    public var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Malformed messages the supervisor itself dropped.
    public var malformed: UInt64 { state.withLock { $0.malformed } }

    /// Counts a malformed control message.
    public func countMalformed() { state.withLock { $0.malformed &+= 1 } }

    /// The current partition map.
    public var map: PartitionMap { state.withLock { Self.map(of: $0) } }

    private static func map(of s: State) -> PartitionMap {
        let workers = s.order.compactMap { s.records[$0] }.filter { $0.role == .worker }.map { r in
            let up = r.state == .running
            return PartitionMap.WorkerEntry(
                id: r.id, commandEndpoint: up ? r.commandEndpoint : "", publishEndpoint: up ? r.publishEndpoint : "",
                partitions: r.partitions)
        }
        return PartitionMap(epoch: s.epoch, partitionCount: s.partitionCount, workers: workers)
    }

    /// Records a launch.
    public func launched(_ id: String, pid: Int32) {
        state.withLock { s in
            // The child may say hello before this callback runs; its record is then already current.
            if s.records[id]?.pid == pid && s.records[id]?.state == .running { return }
            s.records[id]?.pid = pid
            s.records[id]?.state = .starting
            s.records[id]?.ready = false
        }
    }

    /// Records an exit; returns true if the map changed (a worker went away).
    @discardableResult
    public func exited(_ id: String, final: Bool) -> Bool {
        state.withLock { s in
            guard var r = s.records[id] else { return false }
            let wasServing = r.state == .running && r.role == .worker
            r.state = final ? .stopped : .exited
            r.ready = false
            r.identity = nil
            s.records[id] = r
            if wasServing { s.epoch += 1 }
            return wasServing
        }
    }

    /// Records a restart.
    public func restarting(_ id: String) { state.withLock { $0.records[id]?.restarts += 1 } }

    /// Applies a hello. Returns the identities every map must go to if the map changed, else just the sender's.
    public func hello(from id: String, identity: [UInt8], _ hello: HelloMessage) -> (PartitionMap, [[UInt8]])? {
        state.withLock { s in
            guard var r = s.records[id], r.role == hello.role else { return nil }
            let endpointsChanged =
                r.commandEndpoint != hello.commandEndpoint || r.publishEndpoint != hello.publishEndpoint
                || r.state != .running
            r.pid = Int32(bitPattern: hello.pid)
            r.identity = identity
            r.state = .running
            r.commandEndpoint = hello.commandEndpoint
            r.publishEndpoint = hello.publishEndpoint
            r.lastHeartbeat = Date()
            r.lastHeartbeatAt = .now
            s.records[id] = r
            if r.role == .worker && endpointsChanged {
                s.epoch += 1
                return (Self.map(of: s), s.records.values.compactMap(\.identity))
            }
            return (Self.map(of: s), [identity])
        }
    }

    /// Applies a heartbeat; returns the map if the sender's epoch is older than the current one.
    public func heartbeat(from id: String, identity: [UInt8], knownEpoch: UInt64, _ beat: HeartbeatMessage)
        -> PartitionMap?
    {
        state.withLock { s in
            guard var r = s.records[id], r.identity == identity else { return nil }
            r.lastHeartbeat = Date()
            r.lastHeartbeatAt = .now
            r.ready = beat.ready
            r.processed = beat.processed
            r.malformed = beat.malformed
            r.dropped = beat.dropped
            r.slowClientsClosed = beat.slowClientsClosed
            s.records[id] = r
            return knownEpoch < s.epoch ? Self.map(of: s) : nil
        }
    }
}
