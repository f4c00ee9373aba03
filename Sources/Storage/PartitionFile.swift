import Foundation
import GRDB

/// A partition's file as a whole, for moving it to another host (docs/protocol.md §5.5): a consistent snapshot
/// on the source, a check and an atomic install on the destination.
package enum PartitionFile {
    /// Why a file operation failed.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        package var description: String
    }

    /// The path of partition `p`'s file in `directory`.
    package static func path(partition p: UInt16, in directory: String) -> String {
        (directory as NSString).appendingPathComponent(PartitionDatabase.fileName(partition: p))
    }

    /// Writes a consistent copy of partition `p`'s file to `destination` with SQLite's online backup: committed
    /// transactions still in a `-wal` file (an owner that was killed) are included. False if there is no file.
    package static func snapshot(partition p: UInt16, in directory: String, to destination: String) throws -> Bool {
        let source = path(partition: p, in: directory)
        guard FileManager.default.fileExists(atPath: source) else { return false }
        try? FileManager.default.removeItem(atPath: destination)
        var config = Configuration()
        config.busyMode = .timeout(5)
        let from = try DatabaseQueue(path: source, configuration: config)
        let to = try DatabaseQueue(path: destination)
        try from.backup(to: to)
        try to.close()
        try from.close()
        return true
    }

    /// Checks that `path` is a sound SQLite database (`PRAGMA quick_check`). Side files of an earlier attempt are
    /// removed first (a stale `-wal` would be read as part of this copy) and the ones the check makes, after.
    package static func verify(_ path: String) throws {
        removeSideFiles(of: path)
        defer { removeSideFiles(of: path) }
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        let result = try queue.read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
        guard result == ["ok"] else { throw Failure(description: "quick_check: \(result.prefix(3))") }
    }

    /// Removes `path`'s `-wal` and `-shm` files, if any.
    static func removeSideFiles(of path: String) {
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Puts the verified file `incoming` in place as partition `p`'s file, removing any `-wal`/`-shm` of an older
    /// copy first (SQLite would otherwise apply a stale log to the new file).
    package static func install(_ incoming: String, partition p: UInt16, in directory: String) throws {
        let target = path(partition: p, in: directory)
        removeSideFiles(of: target)
        guard rename(incoming, target) == 0 else {
            throw Failure(description: "rename \(incoming) → \(target): errno \(errno)")
        }
        let folder = open(directory, O_RDONLY)
        if folder >= 0 {
            _ = fsync(folder)
            _ = close(folder)
        }
    }
}
