package import Wire

/// The body of a presence event: one partition's changes, in order (docs/protocol.md §6.3).
package enum PresenceEvent {
    /// Encodes changes.
    package static func encode(_ changes: [PresenceChange]) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + changes.count * 24)
        w.write(UInt32(changes.count))
        for change in changes {
            switch change {
            case .upsert(let entry):
                w.write(UInt8(1))
                entry.write(to: &w)
            case .remove(let user):
                w.write(UInt8(2))
                w.write(user.text)
            }
        }
        return w.bytes
    }

    /// Decodes changes.
    package static func decode(_ body: [UInt8]) throws(WireError) -> [PresenceChange] {
        var r = ByteReader(body)
        let count = try r.readUInt32()
        var changes: [PresenceChange] = []
        for _ in 0..<count {
            switch try r.readByte() {
            case 1: changes.append(.upsert(try PresenceEntry.read(from: &r)))
            case 2: changes.append(.remove(try PresenceUserID.read(from: &r)))
            case let tag: throw WireError(.badValue, "presence change tag \(tag)")
            }
        }
        try r.expectEnd()
        return changes
    }
}
