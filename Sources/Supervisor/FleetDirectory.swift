package import Foundation
package import Wire

/// What the supervisor knows of the fleet — every process's record, the partition map derived from them, the
/// partition moves in flight, where each partition's file lives — as a value that takes events (a launch, a hello, a
/// heartbeat, an exit, an added or removed worker, a reconcile tick at a given time) and returns what they call
/// for (a map to send and to whom, workers to stop). It reads no clock and does no I/O: `ProcessRegistry` owns one
/// behind a lock and gives it the time, and the tests drive it directly (`FleetDirectoryTests`).
package struct FleetDirectory: Sendable {
    /// Life-cycle state of a process.
    package enum ProcessState: String, Sendable {
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
    package struct Record: Sendable {
        /// Process id.
        package var id: String
        /// Role.
        package var role: ProcessRole
        /// Operating-system pid of the current incarnation: the one the supervisor started, for its own processes;
        /// the one the process reported in its hello, for processes of other hosts (shown, never signalled).
        package var pid: Int32?
        /// The pid of the incarnation the supervisor itself started (nil for processes of other hosts, and once it
        /// exited): the only pid it ever signals, so a forged hello cannot make it kill another process.
        package var spawnedPid: Int32?
        /// Life-cycle state.
        package var state: ProcessState
        /// Restarts so far.
        package var restarts: Int
        /// Exits in a row, each soon after its start (`RestartBackoff`); 0 once a run lasted.
        package var quickExits = 0
        /// How its last exit ended ("exit status 1", "signal 9"), if it has exited.
        package var lastExit: String?
        /// The last line it wrote to standard error before that exit, if any.
        package var lastError: String?
        /// Wall-clock time of the last heartbeat or hello.
        package var lastHeartbeat: Date?
        /// Monotonic time of the same, for ages.
        package var lastHeartbeatAt: ContinuousClock.Instant?
        /// Whether its last heartbeat said it serves.
        package var ready: Bool
        /// Commands or requests it processed (from its heartbeat).
        package var processed: UInt64
        /// Malformed messages it dropped (from its heartbeat).
        package var malformed: UInt64
        /// Outbound messages it dropped (from its heartbeat).
        package var dropped: UInt64
        /// Client connections it closed for falling behind (from its heartbeat; gateways).
        package var slowClientsClosed: UInt64 = 0
        /// What it did to protect itself from clients (from its heartbeat; gateways).
        package var edge: [EdgeCounter: UInt64] = [:]
        /// Its histograms since it started (from its heartbeat).
        package var histograms: [MeasureKey: HistogramCounts] = [:]
        /// Worker endpoints from its hello.
        package var commandEndpoint: String
        /// Worker endpoints from its hello.
        package var publishEndpoint: String
        /// Partitions it owns (workers).
        package var partitions: [UInt16]
        /// Partitions whose files it reported open in its last heartbeat (workers; nil before one arrives).
        package var held: [UInt16]?
        /// The newest map epoch its last heartbeat said it had.
        package var knownEpoch: UInt64 = 0
        /// Whether it is being removed: its partitions move away, then it is stopped.
        package var leaving = false
        /// Whether its partitions are moving away for a while (a roll replaces its process), to come back after.
        package var draining = false
        /// The executable its next start uses, when not the fleet's (a roll onto a new one); nil: the fleet's.
        package var executable: String?
        /// The executable its current incarnation was started from (nil for processes of other hosts).
        package var runningExecutable: String?
        /// The incarnation killed for not answering, if any.
        var killedPid: Int32?
        /// Host label (docs/operations.md, "Several hosts").
        package var host: String = "local"
        /// Whether it runs on another host: started there, not by this supervisor.
        package var external = false
        /// Partitions it fetched from another host and verified, from its last heartbeat.
        package var fetched: [UInt16] = []
        /// ROUTER identity of the current incarnation.
        var identity: [UInt8]?
    }

    /// A partition on its way between two workers: no longer in the old owner's list, not yet in the new one's.
    package struct PendingMove: Sendable, Hashable {
        /// The partition.
        package var partition: UInt16
        /// The worker giving it up.
        package var from: String
        /// The worker taking it.
        package var to: String
        /// The map epoch that took it from `from`; a heartbeat at this epoch or later without it in `held` means
        /// the file is closed.
        package var releaseEpoch: UInt64
        /// When the move started.
        package var startedAt: ContinuousClock.Instant
    }

    /// Why a fleet change was refused. The API chooses the HTTP status (`FleetRoutes`).
    package struct ChangeError: Error, Sendable, CustomStringConvertible {
        /// What kind of refusal.
        package enum Reason: Sendable, Equatable {
            /// The id is not a valid process id.
            case invalidID
            /// A process with that id exists.
            case exists
            /// No worker has that id.
            case unknownWorker
            /// It is the last worker; removing it would leave partitions without an owner.
            case lastWorker
            /// The fleet is not running (starting or stopping).
            case notRunning
        }

        /// What kind of refusal.
        package var reason: Reason
        /// The reason, for the client.
        package var description: String

        /// A refusal.
        package init(_ reason: Reason, _ description: String) {
            self.reason = reason
            self.description = description
        }
    }

    /// What the supervisor must do after `reconcile()`.
    package struct Reconciliation: Sendable {
        /// Whether the map changed and must go to every process.
        package var broadcast = false
        /// Leaving workers that hold nothing any more: stop them, then `forget` them.
        package var stop: [String] = []
        /// Moves finished in this step, with how long each took.
        package var finished: [(PendingMove, Duration)] = []
    }

    /// What a heartbeat calls for.
    package enum HeartbeatAnswer: Sendable, Equatable {
        /// Not from the current incarnation of a known process (or from one taken as gone): no answer, so that
        /// its silence makes it say `hello` again.
        case ignored
        /// A bare heartbeat back.
        case upToDate
        /// This newer map.
        case map(PartitionMap)
    }

    /// Every process's record, by id.
    private var byID: [String: Record] = [:]
    /// Ids in spec order, workers first (added workers before the gateways).
    private var order: [String] = []
    /// The current map epoch.
    package private(set) var epoch: UInt64 = 1
    /// Partitions in the fleet.
    package let partitionCount: Int
    /// Malformed messages the supervisor itself dropped.
    package private(set) var malformed: UInt64 = 0
    /// Partitions in transit, by partition.
    private var pending: [UInt16: PendingMove] = [:]
    private var rebalanceWanted = false
    /// Moves finished, and how long the last one took, for `/metrics`.
    private var movesFinished = 0
    private var lastMoveDuration: Duration?
    /// Durations of moves finished since `/metrics` last took them (bounded: a fleet nobody scrapes keeps the
    /// newest).
    private var unreportedMoveDurations: [Duration] = []
    /// The host whose data folder holds the current file of each partition.
    package private(set) var home: [UInt16: String] = [:]
    private let unresponsiveTimeout: Duration
    private let localHost: String
    /// Workers removed through the API (kept in the saved state).
    private var removed: Set<String> = []
    /// Every process's CURVE public key, by id, for the map (empty with insecure links).
    private var keys: [String: String] = [:]

    /// Records for every process of `spec`: with the partitions and files of `saved` (the state the supervisor
    /// wrote before it last stopped) when given, else with partitions dealt round-robin. `now` starts the moves
    /// `saved` had in flight.
    package init(spec: FleetSpec, saved: FleetState? = nil, now: ContinuousClock.Instant) {
        partitionCount = spec.partitionCount
        unresponsiveTimeout = spec.unresponsiveTimeout
        localHost = spec.localHost
        if let saved, saved.partitionCount == spec.partitionCount {
            for worker in saved.workers {
                add(worker.id, .worker, worker.partitions.sorted(), spec: spec)
                byID[worker.id]?.host = worker.host
                byID[worker.id]?.external = worker.host != spec.localHost
                byID[worker.id]?.leaving = worker.leaving
            }
            for (p, host) in saved.home { home[p] = host }
            for p in 0..<spec.partitionCount where home[UInt16(p)] == nil {
                // A partition no saved worker owned (should not happen): its file is wherever it was dealt.
                home[UInt16(p)] = spec.localHost
            }
            epoch = saved.epoch + 1
            for move in saved.moves {
                pending[move.partition] = PendingMove(
                    partition: move.partition, from: move.from, to: move.to, releaseEpoch: epoch, startedAt: now)
            }
            let known = Set(saved.workers.map(\.id))
            let added = spec.workerIDs.filter { !known.contains($0) && !saved.removed.contains($0) }
            for id in added { add(id, .worker, [], spec: spec) }
            for gateway in spec.gateways { add(gateway.id, .gateway, [], spec: spec) }
            rebalanceWanted = !added.isEmpty || saved.rebalancePending
            removed = Set(saved.removed)
            return
        }
        let assignment = PartitionMap.roundRobin(partitionCount: spec.partitionCount, workerIDs: spec.workerIDs)
        for id in spec.workerIDs { add(id, .worker, assignment[id] ?? [], spec: spec) }
        for gateway in spec.gateways { add(gateway.id, .gateway, [], spec: spec) }
        for id in spec.workerIDs {
            for p in assignment[id] ?? [] { home[p] = spec.host(of: id) }
        }
    }

    private mutating func add(_ id: String, _ role: ProcessRole, _ partitions: [UInt16], spec: FleetSpec) {
        var record = Self.newRecord(id, role, partitions)
        record.host = spec.host(of: id)
        record.external = !spec.launches(id)
        byID[id] = record
        order.append(id)
    }

    /// What must survive a restart of the supervisor: who owns what, where each partition's file is, moves.
    package var savedState: FleetState {
        FleetState(
            epoch: epoch, partitionCount: partitionCount,
            workers: order.compactMap { byID[$0] }.filter { $0.role == .worker }.map {
                FleetState.Worker(id: $0.id, host: $0.host, partitions: $0.partitions, leaving: $0.leaving)
            },
            home: home.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            moves: pending.values.sorted { $0.partition < $1.partition }.map {
                FleetState.Move(partition: $0.partition, from: $0.from, to: $0.to)
            },
            rebalancePending: rebalanceWanted, removed: removed.sorted())
    }

    private static func newRecord(_ id: String, _ role: ProcessRole, _ partitions: [UInt16]) -> Record {
        Record(
            id: id, role: role, pid: nil, state: .starting, restarts: 0, lastHeartbeat: nil, lastHeartbeatAt: nil,
            ready: false, processed: 0, malformed: 0, dropped: 0, commandEndpoint: "", publishEndpoint: "",
            partitions: partitions, identity: nil)
    }

    /// Every record, workers first, in spec order.
    package var records: [Record] { order.compactMap { byID[$0] } }

    /// Process `id`'s record.
    package func record(_ id: String) -> Record? { byID[id] }

    /// Counts a malformed control message.
    package mutating func countMalformed() { malformed &+= 1 }

    /// The current partition map.
    package var map: PartitionMap {
        let workers = order.compactMap { byID[$0] }.filter { $0.role == .worker }.map { r in
            let up = r.state == .running
            return PartitionMap.WorkerEntry(
                id: r.id, commandEndpoint: up ? r.commandEndpoint : "", publishEndpoint: up ? r.publishEndpoint : "",
                partitions: r.partitions)
        }
        // A partition whose owner is on another host than its current file is fetched first, from a running
        // worker of the file's host (an empty source: none runs there now; the owner waits).
        var transfers: [UInt16: String] = [:]
        let sources = Dictionary(
            order.compactMap { byID[$0] }.filter { $0.role == .worker && $0.state == .running }.map {
                ($0.host, $0.commandEndpoint)
            }, uniquingKeysWith: { first, _ in first })
        for r in byID.values where r.role == .worker {
            for p in r.partitions {
                guard let home = home[p], home != r.host else { continue }
                transfers[p] = sources[home] ?? ""
            }
        }
        return PartitionMap(
            epoch: epoch, partitionCount: partitionCount, workers: workers, transfers: transfers, keys: keys)
    }

    /// Sets the processes' public keys the map carries; a change is a new map (a new epoch). Returns whether the keys
    /// changed.
    @discardableResult
    package mutating func setKeys(_ keys: [String: String]) -> Bool {
        guard self.keys != keys else { return false }
        self.keys = keys
        epoch += 1
        return true
    }

    /// Partitions in transit, by partition.
    package var moves: [PendingMove] { pending.values.sorted { $0.partition < $1.partition } }

    /// Whether a rebalance waits (workers joined or leave, moves not planned yet).
    package var rebalancePending: Bool { rebalanceWanted }

    /// The durations of the moves finished since the last call, oldest first.
    package mutating func takeMoveDurations() -> [Duration] {
        defer { unreportedMoveDurations = [] }
        return unreportedMoveDurations
    }

    /// Moves finished since start, and how long the last one took.
    package var moveStatistics: (finished: Int, last: Duration?) {
        (movesFinished, lastMoveDuration)
    }

    /// Adds a worker with no partitions; partitions move to it once it runs. Returns its id (`id`, or the first
    /// free `wN`).
    package mutating func addWorker(id: String?, host: String? = nil) throws(ChangeError) -> String {
        let chosen: String
        if let id {
            guard Envelope.isValidOrigin(id) else {
                throw ChangeError(.invalidID, "\"\(id)\" is not a valid process id")
            }
            guard byID[id] == nil else {
                throw ChangeError(.exists, "a process named \(id) exists")
            }
            chosen = id
        } else {
            chosen = (1...).lazy.map { "w\($0)" }.first { byID[$0] == nil }!
        }
        var record = Self.newRecord(chosen, .worker, [])
        record.host = host ?? localHost
        record.external = record.host != localHost
        byID[chosen] = record
        removed.remove(chosen)
        let firstGateway = order.firstIndex { byID[$0]?.role == .gateway } ?? order.endIndex
        order.insert(chosen, at: firstGateway)
        rebalanceWanted = true
        epoch += 1
        return chosen
    }

    /// Marks a worker as leaving: its partitions move to the others, then it is stopped and forgotten.
    package mutating func removeWorker(id: String) throws(ChangeError) {
        guard let r = byID[id], r.role == .worker else {
            throw ChangeError(.unknownWorker, "no worker named \(id)")
        }
        guard !r.leaving else { return }
        let staying = byID.values.filter { $0.role == .worker && !$0.leaving && $0.id != id }
        guard !staying.isEmpty else {
            throw ChangeError(.lastWorker, "\(id) is the last worker; add one before removing it")
        }
        byID[id]?.leaving = true
        rebalanceWanted = true
    }

    /// Moves a worker's partitions away (`draining`) or lets it take its share again; false for no such worker, or
    /// when it is the last one serving.
    package mutating func setDraining(_ id: String, _ draining: Bool) -> Bool {
        guard let r = byID[id], r.role == .worker else { return false }
        if draining {
            let others = byID.values.filter { $0.role == .worker && !$0.leaving && !$0.draining && $0.id != id }
            guard !others.isEmpty else { return false }
        }
        guard r.draining != draining else { return true }
        byID[id]?.draining = draining
        rebalanceWanted = true
        return true
    }

    /// Sets the executable process `id` starts from next (nil: the fleet's).
    package mutating func setExecutable(_ id: String, _ executable: String?) { byID[id]?.executable = executable }

    /// Whether partition moves involve worker `id` (as giver or taker).
    package func isMoving(_ id: String) -> Bool { pending.values.contains { $0.from == id || $0.to == id } }

    /// Drops a stopped leaving worker from the records and the map.
    package mutating func forget(_ id: String) {
        guard byID[id]?.leaving == true else { return }
        byID[id] = nil
        removed.insert(id)
        order.removeAll { $0 == id }
        epoch += 1
    }

    /// Advances partition moves: hands a partition to its new owner once the old one has closed its file (its
    /// heartbeat at the release epoch no longer lists it, or its process exited), plans the next moves when a
    /// rebalance waits and every staying worker runs, and names leaving workers that hold nothing any more.
    package mutating func reconcile(now: ContinuousClock.Instant) -> Reconciliation {
        var result = Reconciliation()
        // 0. A worker of another host that has been silent longer than its lease is gone: it stopped serving.
        for (id, r) in byID where r.external && r.state == .running {
            guard let last = r.lastHeartbeatAt, now - last > unresponsiveTimeout else { continue }
            byID[id]?.state = .exited
            byID[id]?.ready = false
            byID[id]?.identity = nil
            if r.role == .worker { epoch += 1 }
            result.broadcast = true
        }
        // 1a. A fetched and verified copy becomes the partition's current file: its host is now the home.
        var granted = false
        for (_, r) in byID where r.role == .worker && r.state == .running {
            for p in r.fetched where r.partitions.contains(p) && home[p] != r.host {
                home[p] = r.host
                granted = true
            }
        }
        // 1b. Grants.
        for move in pending.values.sorted(by: { $0.partition < $1.partition }) {
            guard let to = byID[move.to] else {
                // The destination went away before the grant (not planned that way, but never lose a partition).
                pending[move.partition] = nil
                byID[move.from]?.partitions.append(move.partition)
                byID[move.from]?.partitions.sort()
                granted = true
                continue
            }
            guard Self.released(move, by: byID[move.from]) else { continue }
            byID[to.id]?.partitions.append(move.partition)
            byID[to.id]?.partitions.sort()
            pending[move.partition] = nil
            movesFinished += 1
            lastMoveDuration = now - move.startedAt
            unreportedMoveDurations.append(now - move.startedAt)
            if unreportedMoveDurations.count > 10_000 { unreportedMoveDurations.removeFirst(5_000) }
            result.finished.append((move, now - move.startedAt))
            granted = true
        }
        if granted {
            epoch += 1
            result.broadcast = true
        }
        // 2. Plan the next moves once the previous ones are done and every staying worker runs.
        if pending.isEmpty && rebalanceWanted {
            let workers = order.compactMap { byID[$0] }.filter { $0.role == .worker }
            let members = workers.filter { !$0.leaving && !$0.draining }
            if members.allSatisfy({ $0.state == .running }) {
                let plan = PartitionPlanner.moves(
                    assignment: workers.map { ($0.id, $0.partitions) }, members: members.map(\.id))
                rebalanceWanted = false
                if !plan.isEmpty {
                    epoch += 1
                    for move in plan {
                        byID[move.from]?.partitions.removeAll { $0 == move.partition }
                        pending[move.partition] = PendingMove(
                            partition: move.partition, from: move.from, to: move.to, releaseEpoch: epoch,
                            startedAt: now)
                    }
                    result.broadcast = true
                }
            }
        }
        // 3. Leaving workers with nothing left.
        for id in order {
            guard let r = byID[id], r.leaving, r.partitions.isEmpty else { continue }
            guard !pending.values.contains(where: { $0.from == id || $0.to == id }) else { continue }
            // The last worker of a host still serves that host's files to the new owners fetching them.
            let fetchedFromHere = byID.values.contains { other in
                other.role == .worker && other.host != r.host
                    && other.partitions.contains { home[$0] == r.host }
            }
            let anotherHere = byID.values.contains {
                $0.role == .worker && $0.id != id && $0.host == r.host && $0.state == .running && !$0.leaving
            }
            guard !fetchedFromHere || anotherHere else { continue }
            result.stop.append(id)
        }
        return result
    }

    /// Whether `record` (the old owner) has closed the moved partition's file.
    private static func released(_ move: PendingMove, by record: Record?) -> Bool {
        guard let record else { return true }
        switch record.state {
        case .exited, .stopped: return true
        case .starting:
            // Launched again after an exit (or not yet): the new incarnation opens only what the map gives it.
            return true
        case .running:
            guard record.knownEpoch >= move.releaseEpoch, let held = record.held else { return false }
            return !held.contains(move.partition)
        }
    }

    /// Marks a running process as no longer answering, so it is killed once; false if `pid` is not its current
    /// incarnation or was already marked. It stays `running` until its exit is seen: only then are its files
    /// closed for sure.
    package mutating func markUnresponsive(_ id: String, pid: Int32) -> Bool {
        guard let r = byID[id], r.state == .running, r.spawnedPid == pid, r.killedPid != pid else {
            return false
        }
        byID[id]?.killedPid = pid
        byID[id]?.ready = false
        return true
    }

    /// Records a launch.
    package mutating func launched(_ id: String, pid: Int32, executable: String? = nil) {
        // The child may say hello before this callback runs; its record is then already current.
        byID[id]?.spawnedPid = pid
        byID[id]?.runningExecutable = executable
        if byID[id]?.pid == pid && byID[id]?.state == .running { return }
        byID[id]?.pid = pid
        byID[id]?.state = .starting
        byID[id]?.ready = false
    }

    /// Records an exit; returns true if the map changed (a worker went away).
    @discardableResult
    package mutating func exited(_ id: String, final: Bool) -> Bool {
        guard var r = byID[id] else { return false }
        let wasServing = r.state == .running && r.role == .worker
        r.state = final ? .stopped : .exited
        r.ready = false
        r.identity = nil
        r.spawnedPid = nil
        byID[id] = r
        if wasServing { epoch += 1 }
        return wasServing
    }

    /// Records a restart.
    package mutating func restarting(_ id: String) { byID[id]?.restarts += 1 }

    /// Records how a process launched by this supervisor ended: how, its last line of standard error, and how many
    /// times in a row it has now ended soon after starting (0 after a run that lasted).
    package mutating func ended(_ id: String, how: String, lastError: String?, quickExits: Int) {
        byID[id]?.lastExit = how
        byID[id]?.lastError = lastError
        byID[id]?.quickExits = quickExits
    }

    /// Applies a hello. Returns the identities every map must go to if the map changed, else just the sender's.
    package mutating func hello(
        from id: String, identity: [UInt8], _ hello: HelloMessage, now: ContinuousClock.Instant, date: Date
    ) -> (PartitionMap, [[UInt8]])? {
        guard var r = byID[id], r.role == hello.role else { return nil }
        let endpointsChanged =
            r.commandEndpoint != hello.commandEndpoint || r.publishEndpoint != hello.publishEndpoint
            || r.state != .running
        // A process of this host is known by the pid the supervisor started; a hello's word is taken only for
        // processes of other hosts.
        r.pid = r.spawnedPid ?? Int32(bitPattern: hello.pid)
        r.identity = identity
        r.held = nil
        r.knownEpoch = 0
        r.state = .running
        r.commandEndpoint = hello.commandEndpoint
        r.publishEndpoint = hello.publishEndpoint
        r.lastHeartbeat = date
        r.lastHeartbeatAt = now
        byID[id] = r
        if r.role == .worker && endpointsChanged {
            epoch += 1
            return (map, byID.values.compactMap(\.identity))
        }
        return (map, [identity])
    }

    /// Applies a heartbeat; returns the map if the sender's epoch is older than the current one.
    package mutating func heartbeat(
        from id: String, identity: [UInt8], knownEpoch: UInt64, _ beat: HeartbeatMessage, now: ContinuousClock.Instant,
        date: Date
    )
        -> HeartbeatAnswer
    {
        guard var r = byID[id], r.identity == identity else { return .ignored }
        r.lastHeartbeat = date
        r.lastHeartbeatAt = now
        r.ready = beat.ready
        r.processed = beat.processed
        r.malformed = beat.malformed
        r.dropped = beat.dropped
        r.slowClientsClosed = beat.slowClientsClosed
        r.edge = beat.edge
        r.histograms = beat.histograms
        r.knownEpoch = knownEpoch
        r.held = beat.heldPartitions
        r.fetched = beat.fetchedPartitions
        byID[id] = r
        return knownEpoch < epoch ? .map(map) : .upToDate
    }
}
