package import Wire

/// A step-tracker command, as a gateway sends it to the partition's worker.
package enum StepsCommand: Sendable, Hashable {
    /// Apply an update (exactly once per `updateID` and user).
    case update(StepsUpdate)
    /// Read one user's state.
    case get(username: String)

    /// The key that picks the partition.
    package var username: String {
        switch self {
        case .update(let u): u.username
        case .get(let name): name
        }
    }

    private static let updateTag: UInt8 = 1
    private static let getTag: UInt8 = 2

    /// Encodes the body frame (docs/protocol.md §6.1).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        switch self {
        case .update(let u):
            w.write(Self.updateTag)
            w.write(u.username)
            w.write(u.updateID)
            w.write(u.ts)
            w.write(u.newSteps)
        case .get(let name):
            w.write(Self.getTag)
            w.write(name)
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.updateTag:
            let username = try r.readString()
            let updateID = try r.readString()
            let ts = try r.readDouble()
            let newSteps = try r.readDouble()
            try r.expectEnd()
            guard !username.isEmpty, !updateID.isEmpty, ts.isFinite, newSteps.isFinite, newSteps >= 0,
                newSteps <= StepsLimits.maxNewSteps
            else {
                throw WireError(.badValue, "invalid steps update")
            }
            self = .update(StepsUpdate(updateID: updateID, username: username, ts: ts, newSteps: newSteps))
        case Self.getTag:
            let username = try r.readString()
            try r.expectEnd()
            self = .get(username: username)
        default:
            throw WireError(.badValue, "steps command tag \(tag)")
        }
    }
}
