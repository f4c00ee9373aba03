package import Wire

/// A learning-stats command, as a gateway sends it to the partition of its `X-User-Id`.
package enum StatsCommand: Sendable, Hashable {
    /// Record a session (idempotent: an identical retry changes nothing).
    case record(user: StatsID, course: StatsID, session: StatsSession)
    /// Read one course's lifetime statistics.
    case course(user: StatsID, course: StatsID)
    /// Read one session.
    case session(user: StatsID, course: StatsID, session: StatsID)

    /// The user the command is about.
    package var user: StatsID {
        switch self {
        case .record(let user, _, _), .course(let user, _), .session(let user, _, _): user
        }
    }

    /// The key that picks the partition: the user id's canonical text, so every spelling of one id lands on the
    /// same partition.
    package var partitionKey: String { user.description }

    private static let recordTag: UInt8 = 1
    private static let courseTag: UInt8 = 2
    private static let sessionTag: UInt8 = 3

    /// Encodes the body frame (docs/protocol.md §6.2).
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 80)
        switch self {
        case .record(let user, let course, let session):
            w.write(Self.recordTag)
            w.write(contentsOf: user.bytes)
            w.write(contentsOf: course.bytes)
            session.write(to: &w)
        case .course(let user, let course):
            w.write(Self.courseTag)
            w.write(contentsOf: user.bytes)
            w.write(contentsOf: course.bytes)
        case .session(let user, let course, let session):
            w.write(Self.sessionTag)
            w.write(contentsOf: user.bytes)
            w.write(contentsOf: course.bytes)
            w.write(contentsOf: session.bytes)
        }
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding body: [UInt8]) throws(WireError) {
        var r = ByteReader(body)
        let tag = try r.readByte()
        let user = try StatsID.read(from: &r)
        let course = try StatsID.read(from: &r)
        switch tag {
        case Self.recordTag:
            let session = try StatsSession.read(from: &r)
            try r.expectEnd()
            self = .record(user: user, course: course, session: session)
        case Self.courseTag:
            try r.expectEnd()
            self = .course(user: user, course: course)
        case Self.sessionTag:
            let session = try StatsID.read(from: &r)
            try r.expectEnd()
            self = .session(user: user, course: course, session: session)
        default:
            throw WireError(.badValue, "stats command tag \(tag)")
        }
    }
}
