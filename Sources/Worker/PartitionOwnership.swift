import Dispatch
import Foundation
import Logging
import Storage
import Synchronization
import Wire

/// The partitions this worker owns at the current map epoch, each with its open database and commit lane.
///
/// Map changes are serialised by the actor; the command path reads the current snapshot without a hop through
/// `snapshot`, which is what every inbound batch needs.
actor PartitionOwnership {
    /// An immutable view used to route one batch.
    struct Snapshot: Sendable {
        var epoch: UInt64
        var owned: [UInt16: Owned]
    }
    /// One owned partition.
    struct Owned: Sendable {
        var lane: PartitionLane
        /// The epoch at which this worker gained the partition; older commands were routed by an older map.
        var since: UInt64
    }

    private let workerID: String
    private let directory: String
    private let durability: Durability
    private let logger: Logger
    /// Serial queues the partitions' writer queues target: a fixed number of commit threads however many
    /// partitions are owned. Each runs the transactions of its partitions one after another, in arrival order,
    /// and, with a barrier, shares one durability round among them.
    private let commitThreads: [(queue: DispatchQueue, round: CommitRound?)]
    private let published = Mutex(Snapshot(epoch: 0, owned: [:]))
    /// Partitions whose files are open or about to be: every partition of the newest map for this worker from the
    /// moment it arrives, until the file of one given away is closed. The supervisor hands a partition to its next
    /// owner only when this no longer lists it (docs/protocol.md §5.2).
    private let holding = Mutex<Set<UInt16>>([])
    /// Given-away partitions whose close failed: reported as held for as long as this process lives.
    private var failedCloses: Set<UInt16> = []
    /// The closing of a fence, which a later adoption waits for (so a file is never opened while its previous
    /// lane still commits).
    private var closing: Task<Void, Never>?
    /// Transfers from another host in progress, by partition, with their source.
    private var fetching: [UInt16: (source: String, task: Task<Void, Never>)] = [:]
    /// Partitions fetched and installed, waiting for a map without their transfer (docs/protocol.md §5.5).
    private let fetched = Mutex<Set<UInt16>>([])

    /// `barrier`, when given, makes `full` commits durable per round instead of per transaction (SQLite then
    /// commits with `synchronous=NORMAL`).
    init(
        workerID: String, directory: String, durability: Durability, commitThreads: Int,
        barrier: (@Sendable () throws -> Void)?, logger: Logger
    ) {
        self.workerID = workerID
        self.directory = directory
        self.durability = barrier == nil ? durability : .normal
        self.logger = logger
        self.commitThreads = (0..<max(1, commitThreads)).map {
            let queue = DispatchQueue(label: "switchyard.commit.\($0)", qos: .userInitiated)
            return (queue, barrier.map { CommitRound(queue: queue, barrier: $0) })
        }
    }

    /// The current view, readable from any thread.
    nonisolated var snapshot: Snapshot { published.withLock { $0 } }

    /// Partitions whose files are open or being opened or closed, ascending (for the heartbeat).
    nonisolated var heldPartitions: [UInt16] { holding.withLock { $0.sorted() } }

    /// The epoch of the adopted map.
    nonisolated var epoch: UInt64 { published.withLock { $0.epoch } }

    /// Partitions fetched from another host and installed, for the heartbeat.
    nonisolated var fetchedPartitions: [UInt16] { fetched.withLock { $0.sorted() } }

    /// Opens newly owned partitions and closes the ones given away (after their lanes drain); a partition whose
    /// file is on another host is fetched first (`fetcher`; `onFetched` runs when one is installed). Returns false
    /// if a file could not be opened or is still to be fetched.
    func adopt(
        _ map: PartitionMap, context: CommitContext, fetcher: PartitionFetcher,
        onFetched: @escaping @Sendable () -> Void
    ) async -> Bool {
        if let closing { await closing.value }
        let current = snapshot
        guard map.epoch > current.epoch else { return true }
        let mine = Set(map.workers.first { $0.id == workerID }?.partitions ?? [])
        let transfers = map.transfers.filter { mine.contains($0.key) }
        holding.withLock { $0.formUnion(mine) }
        // Transfers: start or restart what the map asks for, drop what it no longer does.
        for (p, fetch) in fetching where transfers[p] != fetch.source {
            fetch.task.cancel()
            fetching[p] = nil
        }
        fetched.withLock { $0.formIntersection(Set(transfers.keys)) }
        for (p, source) in transfers.sorted(by: { $0.key < $1.key })
        where fetching[p] == nil && !fetched.withLock({ $0.contains(p) }) {
            let task = Task {
                do {
                    let bytes = try await fetcher.fetch(partition: p, from: source, map: map)
                    self.logger.info(
                        "partition file fetched",
                        metadata: ["partition": "\(p)", "source": "\(source)", "bytes": "\(bytes)"])
                    self.fetchFinished(p, source: source)
                    onFetched()
                } catch {
                    // Cancelled: the partition went elsewhere, or the map names another source.
                }
            }
            fetching[p] = (source, task)
        }
        var owned = current.owned
        var ok = true
        var givenAway: [(UInt16, PartitionLane)] = []
        for (p, entry) in owned where !mine.contains(p) {
            givenAway.append((p, entry.lane))
            owned[p] = nil
        }
        for p in mine.sorted() where owned[p] == nil && transfers[p] == nil {
            let path = (directory as NSString).appendingPathComponent(PartitionDatabase.fileName(partition: p))
            do {
                let thread = commitThreads[Int(p) % commitThreads.count]
                let database = try PartitionDatabase(
                    path: path, partition: p, durability: durability, writeTargetQueue: thread.queue)
                let presence = try database.writeSync { db in
                    try PresenceRepository.load(in: db, settings: context.presenceSettings)
                }
                let memory = PartitionMemory(presence: presence, openedAt: PartitionLane.wallClock())
                let lane = context.lane(for: database, memory: memory, round: thread.round)
                owned[p] = Owned(lane: lane, since: map.epoch)
            } catch {
                ok = false
                logger.error("opening partition failed", metadata: ["partition": "\(p)", "error": "\(error)"])
            }
        }
        // Publish first, so new commands for a departing partition are refused at once; then drain and close it.
        published.withLock { $0 = Snapshot(epoch: map.epoch, owned: owned) }
        // Closed together: each close ends with a WAL checkpoint and its fsync, and a move waits for all of them.
        let failed = await withTaskGroup(of: UInt16?.self) { group in
            for (p, lane) in givenAway {
                group.addTask {
                    do {
                        try await lane.close()
                        return nil
                    } catch {
                        self.logger.error(
                            "closing partition failed", metadata: ["partition": "\(p)", "error": "\(error)"])
                        return p
                    }
                }
            }
            var failed: [UInt16] = []
            for await p in group { if let p { failed.append(p) } }
            return failed
        }
        // Still held: the supervisor keeps those moves waiting rather than let a second owner open the file.
        failedCloses.formUnion(failed)
        // What this map gave and opened, what is being fetched or waits, and what could not be closed; a file that
        // failed to open is not held.
        let held = Set(owned.keys).union(failedCloses).union(transfers.keys)
        holding.withLock { $0 = held }
        logger.info(
            "partition map adopted",
            metadata: ["epoch": "\(map.epoch)", "partitions": "\(owned.count)", "fetching": "\(transfers.count)"])
        return ok && transfers.isEmpty
    }

    private func fetchFinished(_ p: UInt16, source: String) {
        guard fetching[p]?.source == source else { return }
        fetching[p] = nil
        fetched.withLock { _ = $0.insert(p) }
    }

    /// Stops serving (the lease ran out): nothing is taken from now on, every partition is drained and closed,
    /// and the next map adopted, whatever its epoch, opens them again (once the closing is done).
    func fence() async {
        let lanes = published.withLock { state in
            defer { state = Snapshot(epoch: 0, owned: [:]) }
            return state.owned.values.map(\.lane)
        }
        for fetch in fetching.values { fetch.task.cancel() }
        fetching = [:]
        fetched.withLock { $0 = [] }
        let previous = closing
        let task = Task {
            await previous?.value
            for lane in lanes { try? await lane.close() }
        }
        closing = task
        await task.value
        // Unless a map was adopted meanwhile, nothing is open any more.
        if snapshot.epoch == 0 { holding.withLock { $0 = failedCloses } }
    }

    /// Drains and closes every open partition (shutdown).
    func closeAll() async {
        let lanes = published.withLock { state in
            defer { state.owned = [:] }
            return state.owned.values.map(\.lane)
        }
        for lane in lanes { try? await lane.close() }
        for fetch in fetching.values { fetch.task.cancel() }
        fetching = [:]
        holding.withLock { $0 = [] }
    }
}
