package import Foundation

/// What the supervisor writes to `fleet-state.json` in its data folder whenever partitions change hands or a file
/// changes host, and reads when it starts again (docs/operations.md, "Data and backups"): without it a restarted
/// supervisor would deal partitions round-robin again and could send one to a host whose copy is stale.
package struct FleetState: Codable, Sendable, Equatable {
    /// One worker.
    package struct Worker: Codable, Sendable, Equatable {
        /// Id.
        package var id: String
        /// Host label.
        package var host: String
        /// Partitions it owns.
        package var partitions: [UInt16]
        /// Whether it was being removed.
        package var leaving: Bool

        /// Creates an entry.
        package init(id: String, host: String, partitions: [UInt16], leaving: Bool) {
            self.id = id
            self.host = host
            self.partitions = partitions
            self.leaving = leaving
        }
    }

    /// A move not finished when the state was written.
    package typealias Move = PartitionPlanner.Move

    /// Where a partition's current file is.
    package struct Home: Codable, Sendable, Equatable {
        /// Partition.
        package var partition: UInt16
        /// Host label.
        package var host: String
    }

    /// Format version.
    package var version = 1
    /// The map epoch when written; a restarted supervisor continues above it.
    package var epoch: UInt64
    /// Partition count.
    package var partitionCount: Int
    /// Workers in order.
    package var workers: [Worker]
    /// Host of each partition's current file.
    package var homes: [Home]
    /// Moves in progress.
    package var moves: [Move]
    /// Whether a rebalance was waiting.
    package var rebalancePending: Bool
    /// Workers removed through the API: not added back because the command line or fleet file still names them.
    package var removed: [String] = []

    /// Host by partition.
    package var home: [UInt16: String] { Dictionary(homes.map { ($0.partition, $0.host) }, uniquingKeysWith: { $1 }) }

    /// Creates a state.
    package init(
        epoch: UInt64, partitionCount: Int, workers: [Worker], home: [(UInt16, String)], moves: [Move],
        rebalancePending: Bool, removed: [String] = []
    ) {
        self.removed = removed
        self.epoch = epoch
        self.partitionCount = partitionCount
        self.workers = workers
        self.homes = home.map { Home(partition: $0.0, host: $0.1) }
        self.moves = moves
        self.rebalancePending = rebalancePending
    }

    /// The file name in the supervisor's data folder.
    package static let fileName = "fleet-state.json"

    /// Reads the state in `folder`, nil if there is none.
    package static func load(folder: String) throws -> FleetState? {
        let url = URL(fileURLWithPath: folder).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(FleetState.self, from: Data(contentsOf: url))
    }

    private enum CodingKeys: String, CodingKey {
        case version, epoch, partitionCount, workers, homes, moves, rebalancePending, removed
    }

    /// Decodes a state; `removed` is optional.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        epoch = try c.decode(UInt64.self, forKey: .epoch)
        partitionCount = try c.decode(Int.self, forKey: .partitionCount)
        workers = try c.decode([Worker].self, forKey: .workers)
        homes = try c.decode([Home].self, forKey: .homes)
        moves = try c.decode([Move].self, forKey: .moves)
        rebalancePending = try c.decode(Bool.self, forKey: .rebalancePending)
        removed = try c.decodeIfPresent([String].self, forKey: .removed) ?? []
    }

    /// Writes the state to `folder` atomically and durably: a temporary file, fsynced, renamed over the old one,
    /// then the folder fsynced, so a power cut leaves the old state or the new one.
    package func save(folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(Self.fileName)
        let temporary = path + ".tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let directory = open(folder, O_RDONLY)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }
}
