package import Wire

/// A worker's answer to a `StepsCommand`.
package enum StepsReply: Sendable, Hashable {
    /// The update is committed (`duplicate`: it had been before).
    case updated(duplicate: Bool)
    /// The user's state, or nil for an unknown user.
    case user(UserSteps?)

    private static let updatedTag: UInt8 = 1
    private static let userTag: UInt8 = 2

    /// Encodes the body frame (docs/protocol.md §6.1).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        switch self {
        case .updated(let duplicate):
            w.write(Self.updatedTag)
            w.write(duplicate ? UInt8(1) : 0)
        case .user(nil):
            w.write(Self.userTag)
            w.write(UInt8(0))
        case .user(let user?):
            w.write(Self.userTag)
            w.write(UInt8(1))
            w.write(user.cumulativeSteps)
            w.write(user.ts)
            w.write(UInt64(bitPattern: user.appliedCount))
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.updatedTag:
            let flag = try r.readByte()
            guard flag <= 1 else { throw WireError(.badValue, "duplicate flag \(flag)") }
            try r.expectEnd()
            self = .updated(duplicate: flag == 1)
        case Self.userTag:
            let found = try r.readByte()
            switch found {
            case 0:
                try r.expectEnd()
                self = .user(nil)
            case 1:
                let cumulative = try r.readDouble()
                let ts = try r.readDouble()
                let count = Int64(bitPattern: try r.readUInt64())
                try r.expectEnd()
                self = .user(UserSteps(cumulativeSteps: cumulative, ts: ts, appliedCount: count))
            default:
                throw WireError(.badValue, "found flag \(found)")
            }
        default:
            throw WireError(.badValue, "steps reply tag \(tag)")
        }
    }
}
