import Crypto
import Dispatch
import Foundation
import Logging
import Storage
import Synchronization
import Wire
import ZeroMQ

/// Serves partition files of this host to workers of other hosts that take partitions over (docs/protocol.md
/// §5.5). A `fetch` at offset 0 takes a fresh snapshot (SQLite's online backup, so a `-wal` left by a killed owner
/// is included) and hashes it; every `fetch` gets one `chunk` from that snapshot. A partition this worker holds
/// is refused as `busy`: only a released file is copied. Only the worker the current map names as the partition's
/// new home, with this worker as the source, is served; a snapshot is deleted once the map no longer lists its
/// transfer (the move settled).
final class PartitionFileServer: Sendable {
    /// Bytes per chunk.
    static let chunkSize = 256 * 1024

    private struct Snapshot {
        var path: String
        var size: UInt64
        var digest: [UInt8]
    }

    private let directory: String
    private let workerID: String
    private let engine: ZMQEngine
    private let isHeld: @Sendable (UInt16) -> Bool
    private let logger: Logger
    /// Snapshots and reads run here, off the I/O thread, one at a time.
    private let queue = DispatchQueue(label: "switchyard.partition-files")
    private let snapshots = Mutex<[UInt16: Snapshot]>([:])
    /// From the newest map: the partitions this worker is the transfer source of, and the worker each goes to.
    private let transfers = Mutex<(epoch: UInt64, to: [UInt16: String])>((0, [:]))

    init(
        directory: String, workerID: String, engine: ZMQEngine, isHeld: @escaping @Sendable (UInt16) -> Bool,
        logger: Logger
    ) {
        self.directory = directory
        self.workerID = workerID
        self.engine = engine
        self.isHeld = isHeld
        self.logger = logger
    }

    /// Answers one `fetch` (frames after the ROUTER identity) on `socket`, asynchronously.
    func serve(identity: [UInt8], envelope: Envelope, body: [UInt8], on socket: ZMQSocketID) {
        queue.async { [self] in
            let chunk: FileChunk
            do {
                let request = try FetchRequest(decoding: body)
                chunk = answer(partition: envelope.partition, offset: request.offset, for: envelope)
            } catch {
                chunk = FileChunk(status: .failed)
                logger.warning("bad fetch request", metadata: ["error": "\(error)"])
            }
            let reply = envelope.reply(kind: .chunk, status: .ok, epoch: envelope.epoch, origin: workerID)
            engine.send([identity] + WireMessage(reply, body: chunk.encoded()).frames, on: socket)
        }
    }

    /// Takes a newly adopted map: which transfers this worker (`ownEndpoint`) is the source of, and to whom. Snapshots
    /// (and `.outgoing` copies left by an earlier run) of partitions no longer in transit are deleted.
    func mapAdopted(_ map: PartitionMap, ownEndpoint: String) {
        var to: [UInt16: String] = [:]
        for (p, source) in map.transfers where source == ownEndpoint {
            if let owner = map.owner(of: p)?.id { to[p] = owner }
        }
        let stale = transfers.withLock { current -> Bool in
            guard map.epoch > current.epoch else { return false }
            current = (map.epoch, to)
            return true
        }
        guard stale else { return }
        let keep = Set(to.keys.map { PartitionFile.path(partition: $0, in: directory) + ".outgoing" })
        let inTransit = Set(to.keys)
        queue.async { [self] in
            let dropped = snapshots.withLock { snapshots -> [String] in
                let gone = snapshots.filter { !inTransit.contains($0.key) }
                for p in gone.keys { snapshots[p] = nil }
                return gone.values.map(\.path)
            }
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".outgoing") }
                .map { (directory as NSString).appendingPathComponent($0) }
                .filter { !keep.contains($0) }
            for path in Set(dropped + leftovers) {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    private func answer(partition p: UInt16, offset: UInt64, for requester: Envelope) -> FileChunk {
        let (epoch, newHome) = transfers.withLock { ($0.epoch, $0.to[p]) }
        guard newHome == requester.origin else {
            // A map this worker has not adopted yet may name the requester: ask it to come back. Otherwise only the
            // partition's new home may have its file.
            if requester.epoch > epoch { return FileChunk(status: .busy) }
            logger.warning(
                "fetch refused: the map names no transfer of this partition to the requester",
                metadata: ["partition": "\(p)", "origin": "\(requester.origin)"])
            return FileChunk(status: .failed)
        }
        guard !isHeld(p) else { return FileChunk(status: .busy) }
        do {
            var snapshot = snapshots.withLock { $0[p] }
            if offset == 0 || snapshot == nil {
                let path = PartitionFile.path(partition: p, in: directory) + ".outgoing"
                guard try PartitionFile.snapshot(partition: p, in: directory, to: path) else {
                    return FileChunk(status: .missing)
                }
                let (size, digest) = try Self.hash(path)
                snapshot = Snapshot(path: path, size: size, digest: digest)
                snapshots.withLock { $0[p] = snapshot }
                logger.info(
                    "partition file snapshot for a transfer", metadata: ["partition": "\(p)", "bytes": "\(size)"])
            }
            guard let snapshot, offset <= snapshot.size else { return FileChunk(status: .failed) }
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: snapshot.path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            let bytes = try handle.read(upToCount: Self.chunkSize) ?? Data()
            return FileChunk(
                status: .ok, offset: offset, total: snapshot.size, digest: snapshot.digest, bytes: Array(bytes))
        } catch {
            logger.error("serving a partition file failed", metadata: ["partition": "\(p)", "error": "\(error)"])
            return FileChunk(status: .failed)
        }
    }

    /// Size and SHA-256 of the file at `path`.
    static func hash(_ path: String) throws -> (UInt64, [UInt8]) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            size += UInt64(data.count)
        }
        return (size, Array(hasher.finalize()))
    }
}
