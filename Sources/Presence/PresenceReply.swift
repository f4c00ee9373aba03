package import Wire

/// A worker's answer to a `PresenceCommand`.
package enum PresenceReply: Sendable, Hashable {
    /// The ping is committed; its change (if any) was published before this reply.
    case pinged
    /// The partition is empty; the removals were published before this reply.
    case cleared
    /// The partition's entries, and the sequence number of the last event published for it before this reply.
    case snapshot(sequence: UInt64, entries: [PresenceEntry])

    private static let pingedTag: UInt8 = 1
    private static let clearedTag: UInt8 = 2
    private static let snapshotTag: UInt8 = 3

    /// Encodes the body frame (docs/protocol.md §6.3).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 16)
        switch self {
        case .pinged:
            w.write(Self.pingedTag)
        case .cleared:
            w.write(Self.clearedTag)
        case .snapshot(let sequence, let entries):
            w.write(Self.snapshotTag)
            w.write(sequence)
            w.write(UInt32(entries.count))
            for entry in entries { entry.write(to: &w) }
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.pingedTag:
            self = .pinged
        case Self.clearedTag:
            self = .cleared
        case Self.snapshotTag:
            let sequence = try r.readUInt64()
            let count = try r.readUInt32()
            var entries: [PresenceEntry] = []
            for _ in 0..<count { entries.append(try PresenceEntry.read(from: &r)) }
            self = .snapshot(sequence: sequence, entries: entries)
        default:
            throw WireError(.badValue, "presence reply tag \(tag)")
        }
        try r.expectEnd()
    }
}
