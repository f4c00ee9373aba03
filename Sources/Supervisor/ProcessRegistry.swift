package import Foundation
import Synchronization
package import Wire

/// The supervisor's one `FleetDirectory`, behind a lock, given the time of each event. Readers take a `snapshot`
/// (one lock, one consistent view: `/health` and `/metrics` read nothing else).
package final class ProcessRegistry: Sendable {
    /// A process's record.
    package typealias Record = FleetDirectory.Record
    /// A partition on its way between two workers.
    package typealias PendingMove = FleetDirectory.PendingMove
    /// Why a fleet change was refused.
    package typealias ChangeError = FleetDirectory.ChangeError
    /// What the supervisor must do after `reconcile`.
    package typealias Reconciliation = FleetDirectory.Reconciliation
    /// What a heartbeat calls for.
    package typealias HeartbeatAnswer = FleetDirectory.HeartbeatAnswer

    private let directory: Mutex<FleetDirectory>

    /// Records for every process of `spec`, from `saved` when given (see `FleetDirectory.init`).
    package init(spec: FleetSpec, saved: FleetState? = nil) {
        directory = Mutex(FleetDirectory(spec: spec, saved: saved, now: .now))
    }

    /// The whole directory as it is now.
    package var snapshot: FleetDirectory { directory.withLock { $0 } }

    /// What must survive a restart of the supervisor.
    package var savedState: FleetState { directory.withLock { $0.savedState } }
    /// The host whose data folder holds the current file of each partition.
    package var home: [UInt16: String] { directory.withLock { $0.home } }
    /// Every record, workers first, in spec order.
    package var records: [Record] { directory.withLock { $0.records } }
    /// The current map epoch.
    package var epoch: UInt64 { directory.withLock { $0.epoch } }
    /// The current partition map.
    package var map: PartitionMap { directory.withLock { $0.map } }
    /// Partitions in transit.
    package var moves: [PendingMove] { directory.withLock { $0.moves } }

    /// Counts a malformed control message.
    package func countMalformed() { directory.withLock { $0.countMalformed() } }
    /// Sets the processes' public keys the map carries; returns whether they changed (a new epoch).
    @discardableResult
    package func setKeys(_ keys: [String: String]) -> Bool { directory.withLock { $0.setKeys(keys) } }
    /// The durations of the moves finished since the last call, oldest first.
    package func takeMoveDurations() -> [Duration] { directory.withLock { $0.takeMoveDurations() } }
    /// Adds a worker with no partitions; returns its id.
    package func addWorker(id: String?, host: String? = nil) throws(ChangeError) -> String {
        try directory.withLock { directory throws(ChangeError) in try directory.addWorker(id: id, host: host) }
    }
    /// Marks a worker as leaving.
    package func removeWorker(id: String) throws(ChangeError) {
        try directory.withLock { directory throws(ChangeError) in try directory.removeWorker(id: id) }
    }
    /// Moves a worker's partitions away for a while, or gives it its share again.
    package func setDraining(_ id: String, _ draining: Bool) -> Bool {
        directory.withLock { $0.setDraining(id, draining) }
    }
    /// Sets the executable process `id` starts from next (nil: the fleet's).
    package func setExecutable(_ id: String, _ executable: String?) {
        directory.withLock { $0.setExecutable(id, executable) }
    }
    /// Drops a stopped leaving worker.
    package func forget(_ id: String) { directory.withLock { $0.forget(id) } }
    /// Advances partition moves at `now`.
    package func reconcile(now: ContinuousClock.Instant = .now) -> Reconciliation {
        directory.withLock { $0.reconcile(now: now) }
    }
    /// Marks a running process as no longer answering; false if `pid` is not its incarnation or already marked.
    package func markUnresponsive(_ id: String, pid: Int32) -> Bool {
        directory.withLock { $0.markUnresponsive(id, pid: pid) }
    }
    /// Records a launch, and the executable it was started from.
    package func launched(_ id: String, pid: Int32, executable: String? = nil) {
        directory.withLock { $0.launched(id, pid: pid, executable: executable) }
    }
    /// The executable process `id` starts from next, when not the fleet's.
    package func executable(of id: String) -> String? { directory.withLock { $0.record(id)?.executable } }
    /// The pid of the incarnation of `id` this supervisor started, while it runs.
    package func spawnedPid(of id: String) -> Int32? { directory.withLock { $0.record(id)?.spawnedPid } }
    /// Records an exit; returns true if the map changed.
    @discardableResult
    package func exited(_ id: String, final: Bool) -> Bool { directory.withLock { $0.exited(id, final: final) } }
    /// Records a restart.
    package func restarting(_ id: String) { directory.withLock { $0.restarting(id) } }
    /// Records how a process launched here ended.
    package func ended(_ id: String, how: String, lastError: String?, quickExits: Int) {
        directory.withLock { $0.ended(id, how: how, lastError: lastError, quickExits: quickExits) }
    }
    /// Applies a hello, now.
    package func hello(from id: String, identity: [UInt8], _ hello: HelloMessage) -> (PartitionMap, [[UInt8]])? {
        directory.withLock { $0.hello(from: id, identity: identity, hello, now: .now, date: Date()) }
    }
    /// Applies a heartbeat, now.
    package func heartbeat(from id: String, identity: [UInt8], knownEpoch: UInt64, _ beat: HeartbeatMessage)
        -> HeartbeatAnswer
    {
        directory.withLock {
            $0.heartbeat(from: id, identity: identity, knownEpoch: knownEpoch, beat, now: .now, date: Date())
        }
    }
}
