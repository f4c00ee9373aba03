import Foundation
import Logging
import Storage
import Wire

/// The partitions this worker owns at the current map epoch, with their open databases.
actor PartitionOwnership {
    /// An immutable view used to route one batch.
    struct Snapshot: Sendable {
        var epoch: UInt64
        var owned: [UInt16: Owned]
    }
    /// One owned partition.
    struct Owned: Sendable {
        var database: PartitionDatabase
        /// The epoch at which this worker gained the partition; older commands were routed by an older map.
        var since: UInt64
    }

    private let workerID: String
    private let directory: String
    private let durability: Durability
    private let logger: Logger
    private var snapshotValue = Snapshot(epoch: 0, owned: [:])

    init(workerID: String, directory: String, durability: Durability, logger: Logger) {
        self.workerID = workerID
        self.directory = directory
        self.durability = durability
        self.logger = logger
    }

    var snapshot: Snapshot { snapshotValue }

    /// Opens newly owned partitions and closes the ones given away. Returns false if a file could not be opened.
    func adopt(_ map: PartitionMap) -> Bool {
        guard map.epoch > snapshotValue.epoch else { return true }
        let mine = Set(map.workers.first { $0.id == workerID }?.partitions ?? [])
        var owned = snapshotValue.owned
        var ok = true
        for (p, entry) in owned where !mine.contains(p) {
            do { try entry.database.close() } catch {
                logger.error("closing partition failed", metadata: ["partition": "\(p)", "error": "\(error)"])
            }
            owned[p] = nil
        }
        for p in mine.sorted() where owned[p] == nil {
            let path = (directory as NSString).appendingPathComponent(PartitionDatabase.fileName(partition: p))
            do {
                owned[p] = Owned(
                    database: try PartitionDatabase(path: path, partition: p, durability: durability), since: map.epoch)
            } catch {
                ok = false
                logger.error("opening partition failed", metadata: ["partition": "\(p)", "error": "\(error)"])
            }
        }
        snapshotValue = Snapshot(epoch: map.epoch, owned: owned)
        logger.info("partition map adopted", metadata: ["epoch": "\(map.epoch)", "partitions": "\(owned.count)"])
        return ok
    }

    /// Closes every open partition (shutdown).
    func closeAll() {
        for (_, entry) in snapshotValue.owned { try? entry.database.close() }
        snapshotValue.owned = [:]
    }
}
