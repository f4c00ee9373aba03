import Fleet
import Foundation
import Logging
import Storage
import Wire
import ZeroMQ

/// Copies a partition's file from a worker of another host before this worker serves the partition
/// (docs/protocol.md §5.5): asks for it chunk by chunk (one in flight: the source reads at the pace of the
/// destination), checks the size and SHA-256 of the whole, runs SQLite's `quick_check`, and installs it.
struct PartitionFetcher: Sendable {
    /// Why a transfer failed; it is tried again from the start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String
    let workerID: String
    let engine: ZMQEngine
    let logger: Logger
    /// How the fetch socket authenticates to the source worker.
    var security: LinkSecurity = .insecure
    /// How long one chunk may take.
    var chunkTimeout: Duration = .seconds(10)
    /// Pause before asking a busy source again, and between failed attempts.
    var retryDelay: Duration = .milliseconds(200)

    /// Fetches partition `p` from `source` (a worker's command endpoint in `map`) until it is installed; throws only
    /// `CancellationError` (the partition went elsewhere meanwhile). Returns the bytes copied.
    func fetch(partition p: UInt16, from source: String, map: PartitionMap) async throws -> UInt64 {
        let epoch = map.epoch
        // The source is known by its endpoint; its key is its map entry's.
        let sourceSecurity = map.workers.first { $0.commandEndpoint == source && !source.isEmpty }
            .flatMap { security.toWorker($0.id, of: map) }
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            do {
                return try await attemptFetch(partition: p, from: source, epoch: epoch, security: sourceSecurity)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let level: Logger.Level = attempt == 1 ? .info : .warning
                logger.log(
                    level: level, "partition transfer attempt failed",
                    metadata: ["partition": "\(p)", "source": "\(source)", "error": "\(error)"])
                try await Task.sleep(for: retryDelay * min(attempt, 25))
            }
        }
    }

    private func attemptFetch(partition p: UInt16, from source: String, epoch: UInt64, security: ZMQSecurity?)
        async throws -> UInt64
    {
        guard !source.isEmpty else { throw Failure(description: "no worker of the file's host is running") }
        guard let security else { throw Failure(description: "the map has no key for the source worker") }
        let incoming = PartitionFile.path(partition: p, in: directory) + ".incoming"
        _ = FileManager.default.createFile(atPath: incoming, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: incoming))
        var options = ZMQSocketOptions()
        options.lingerMilliseconds = 0
        options.security = security
        let socket = try await engine.makeSocket(.dealer, options: options, connect: [source])
        let expected: (total: UInt64, digest: [UInt8])
        do {
            expected = try await receive(partition: p, epoch: epoch, over: socket, into: output)
        } catch {
            try? output.close()
            await engine.close(socket)
            throw error
        }
        await engine.close(socket)
        try output.close()
        let (size, digest) = try PartitionFileServer.hash(incoming)
        guard size == expected.total, digest == expected.digest else {
            throw Failure(description: "the copy's SHA-256 or size differs from the source's")
        }
        try PartitionFile.verify(incoming)
        try PartitionFile.install(incoming, partition: p, in: directory)
        return size
    }

    /// Asks for the file chunk by chunk over `socket`, writes the chunks to `output` and makes them durable; returns
    /// the size and SHA-256 the source announced.
    private func receive(partition p: UInt16, epoch: UInt64, over socket: ZMQSocketID, into output: FileHandle)
        async throws -> (total: UInt64, digest: [UInt8])
    {
        var replies = engine.messages(of: socket).makeAsyncIterator()
        var pending: [ZMQMessage] = []
        var offset: UInt64 = 0
        var expected: (total: UInt64, digest: [UInt8])?
        var correlation: UInt64 = 0
        while true {
            correlation += 1
            let request = Envelope(
                kind: .fetch, partition: p, epoch: epoch, correlation: correlation, origin: workerID)
            engine.send(WireMessage(request, body: FetchRequest(offset: offset).encoded()).frames, on: socket)
            let chunk = try await nextChunk(correlation: correlation, from: &replies, pending: &pending)
            switch chunk.status {
            case .ok: break
            case .busy:
                // The old owner is still closing the file.
                try await Task.sleep(for: retryDelay)
                continue
            case .missing: throw Failure(description: "the source has no file for partition \(p)")
            case .failed: throw Failure(description: "the source could not read partition \(p)")
            }
            if let expected {
                guard expected.total == chunk.total, expected.digest == chunk.digest, chunk.offset == offset else {
                    throw Failure(description: "the source's snapshot changed during the transfer")
                }
            } else {
                guard chunk.offset == 0 else { throw Failure(description: "first chunk at \(chunk.offset)") }
                expected = (chunk.total, chunk.digest)
            }
            try output.write(contentsOf: chunk.bytes)
            offset += UInt64(chunk.bytes.count)
            if offset == chunk.total { break }
            guard !chunk.bytes.isEmpty else { throw Failure(description: "empty chunk before the end") }
        }
        try output.synchronize()
        guard let expected else { throw Failure(description: "no chunk received") }
        return expected
    }

    /// The chunk answering `correlation`, within `chunkTimeout`; older answers (a retried request) are skipped.
    private func nextChunk(
        correlation: UInt64, from replies: inout AsyncStream<[ZMQMessage]>.Iterator, pending: inout [ZMQMessage]
    ) async throws -> FileChunk {
        let deadline = ContinuousClock.now + chunkTimeout
        while true {
            while !pending.isEmpty {
                let frames = pending.removeFirst()
                guard let message = try? WireMessage(frames: frames), message.envelope.kind == .chunk,
                    message.envelope.correlation == correlation
                else { continue }
                return try FileChunk(decoding: message.body)
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw Failure(description: "no chunk within \(chunkTimeout)") }
            guard let batch = try await Self.next(&replies, within: remaining) else {
                throw Failure(description: "no chunk within \(chunkTimeout)")
            }
            pending += batch
        }
    }

    /// The next batch, or nil when `timeout` passes first.
    private static func next(
        _ iterator: inout AsyncStream<[ZMQMessage]>.Iterator, within timeout: Duration
    ) async throws -> [ZMQMessage]? {
        let box = IteratorBox(iterator)
        defer { iterator = box.iterator }
        return try await withThrowingTaskGroup(of: [ZMQMessage]?.self) { group in
            group.addTask { await box.next() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}

/// Lets a child task advance an iterator that the caller keeps using afterwards.
private final class IteratorBox: @unchecked Sendable {
    // Only one task uses it at a time: the racing task is awaited (cancelled) before the caller reads it back.
    var iterator: AsyncStream<[ZMQMessage]>.Iterator
    init(_ iterator: AsyncStream<[ZMQMessage]>.Iterator) { self.iterator = iterator }
    func next() async -> [ZMQMessage]? { await iterator.next() }
}
