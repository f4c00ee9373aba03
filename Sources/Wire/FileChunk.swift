/// Body of a `fetch`: the new owner of a partition asks the old owner's host for its file from `offset`
/// (docs/protocol.md §5.5). The partition is the envelope's.
package struct FetchRequest: Sendable, Hashable {
    /// First byte wanted; 0 starts a transfer (the source takes a fresh snapshot of the file).
    package var offset: UInt64

    /// Creates a request.
    package init(offset: UInt64) { self.offset = offset }

    /// Encodes the body frame.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.write(offset)
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding frame: [UInt8]) throws(WireError) {
        var r = ByteReader(frame)
        offset = try r.readUInt64()
        try r.expectEnd()
    }
}

/// Body of a `chunk`: one piece of a partition file's snapshot, with the whole snapshot's size and SHA-256 so the
/// receiver can check what it assembled (docs/protocol.md §5.5).
package struct FileChunk: Sendable, Hashable {
    /// Whether the source could serve the request.
    package enum Status: UInt8, Sendable, CaseIterable {
        /// `bytes` are the snapshot from `offset`.
        case ok = 0
        /// The source worker has the partition open (it owns it or is still closing it): ask again later.
        case busy = 1
        /// No file for the partition on the source's host.
        case missing = 2
        /// Reading or snapshotting failed on the source.
        case failed = 3
    }

    /// Length of `digest`.
    package static let digestLength = 32

    /// Outcome.
    package var status: Status
    /// Offset of `bytes` in the snapshot.
    package var offset: UInt64
    /// Size of the whole snapshot.
    package var total: UInt64
    /// SHA-256 of the whole snapshot (zeros unless `ok`).
    package var digest: [UInt8]
    /// The bytes; empty at the end or unless `ok`.
    package var bytes: [UInt8]

    /// Creates a chunk.
    package init(status: Status, offset: UInt64 = 0, total: UInt64 = 0, digest: [UInt8]? = nil, bytes: [UInt8] = []) {
        self.status = status
        self.offset = offset
        self.total = total
        self.digest = digest ?? [UInt8](repeating: 0, count: Self.digestLength)
        self.bytes = bytes
    }

    /// Encodes the body frame.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 49 + bytes.count)
        w.write(status.rawValue)
        w.write(offset)
        w.write(total)
        w.write(contentsOf: digest)
        w.write(contentsOf: bytes)
        return w.bytes
    }

    /// Decodes a body frame; rejects a chunk that reaches past `total`.
    package init(decoding frame: [UInt8]) throws(WireError) {
        var r = ByteReader(frame)
        let raw = try r.readByte()
        guard let status = Status(rawValue: raw) else { throw WireError(.badValue, "chunk status \(raw)") }
        let offset = try r.readUInt64()
        let total = try r.readUInt64()
        let digest = try r.readBytes(Self.digestLength)
        let bytes = try r.readBytes(r.remaining)
        guard offset <= total, UInt64(bytes.count) <= total - offset else {
            throw WireError(.badValue, "chunk of \(bytes.count) bytes at \(offset) of \(total)")
        }
        self.init(status: status, offset: offset, total: total, digest: digest, bytes: bytes)
    }
}
