package import Wire

/// A presence command, as a gateway sends it to a partition.
package enum PresenceCommand: Sendable, Hashable {
    /// Record a ping now (the worker's clock decides the time).
    case ping(user: PresenceUserID, status: PresenceStatus)
    /// Remove every user of the partition.
    case clear
    /// Answer the partition's entries and the sequence number of its last event.
    case snapshot

    private static let pingTag: UInt8 = 1
    private static let clearTag: UInt8 = 2
    private static let snapshotTag: UInt8 = 3

    /// Encodes the body frame (docs/protocol.md §6.3).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        switch self {
        case .ping(let user, let status):
            w.write(Self.pingTag)
            w.write(user.text)
            w.write(status.code)
        case .clear:
            w.write(Self.clearTag)
        case .snapshot:
            w.write(Self.snapshotTag)
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.pingTag:
            let user = try PresenceUserID.read(from: &r)
            let status = try PresenceStatus.read(from: &r)
            guard status != .away else { throw WireError(.badValue, "a ping cannot say away") }
            self = .ping(user: user, status: status)
        case Self.clearTag:
            self = .clear
        case Self.snapshotTag:
            self = .snapshot
        default:
            throw WireError(.badValue, "presence command tag \(tag)")
        }
        try r.expectEnd()
    }
}
