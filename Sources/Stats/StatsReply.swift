package import Wire

/// A worker's answer to a `StatsCommand`.
package enum StatsReply: Sendable, Hashable {
    /// The session is committed (or was already, identical): answer it with 201.
    case recorded(StatsSession)
    /// The session id is already recorded with a different body: 409.
    case conflict
    /// A course's statistics, or nil for a course the user has no session in.
    case course(CourseStats?)
    /// A session, or nil for an unknown one.
    case session(StatsSession?)

    private static let recordedTag: UInt8 = 1
    private static let conflictTag: UInt8 = 2
    private static let courseTag: UInt8 = 3
    private static let sessionTag: UInt8 = 4

    /// Encodes the body frame (docs/protocol.md §6.2).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 48)
        switch self {
        case .recorded(let session):
            w.write(Self.recordedTag)
            session.write(to: &w)
        case .conflict:
            w.write(Self.conflictTag)
        case .course(let stats):
            w.write(Self.courseTag)
            w.write(stats == nil ? UInt8(0) : 1)
            stats?.write(to: &w)
        case .session(let session):
            w.write(Self.sessionTag)
            w.write(session == nil ? UInt8(0) : 1)
            session?.write(to: &w)
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        switch tag {
        case Self.recordedTag:
            self = .recorded(try StatsSession.read(from: &r))
        case Self.conflictTag:
            self = .conflict
        case Self.courseTag:
            self = .course(try Self.readFound(&r) ? try CourseStats.read(from: &r) : nil)
        case Self.sessionTag:
            self = .session(try Self.readFound(&r) ? try StatsSession.read(from: &r) : nil)
        default:
            throw WireError(.badValue, "stats reply tag \(tag)")
        }
        try r.expectEnd()
    }

    private static func readFound(_ r: inout ByteReader) throws(WireError) -> Bool {
        let flag = try r.readByte()
        guard flag <= 1 else { throw WireError(.badValue, "found flag \(flag)") }
        return flag == 1
    }
}
