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
/// is refused as `busy`: only a released file is copied.
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
                chunk = answer(partition: envelope.partition, offset: request.offset)
            } catch {
                chunk = FileChunk(status: .failed)
                logger.warning("bad fetch request", metadata: ["error": "\(error)"])
            }
            let reply = envelope.reply(kind: .chunk, status: .ok, epoch: envelope.epoch, origin: workerID)
            engine.send([identity] + WireMessage(reply, body: chunk.encoded()).frames, on: socket)
        }
    }

    private func answer(partition p: UInt16, offset: UInt64) -> FileChunk {
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
                logger.info("partition file snapshot for a transfer", metadata: ["partition": "\(p)", "bytes": "\(size)"])
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
