/// The presence records of one partition and their timeouts: a pure state machine whose clock is an input
/// (milliseconds since the epoch), so every timeout is tested without waiting.
///
/// A record keeps what the user last sent (`available` or `busy`) and when. `away` is not stored: it is what a
/// record becomes `lifetimeActive` after its last ping, and the record is removed `lifetimeAway` later. `sweep`
/// turns the passing of time into changes, and `nextDeadline` says when the next one is due, so the owner needs
/// one timer per partition rather than a poll.
package struct PresenceState: Sendable {
    /// One user's stored record.
    package struct Record: Sendable, Hashable {
        /// What the user last sent: `available` or `busy`.
        package var status: PresenceStatus
        /// When, in milliseconds since the epoch.
        package var lastPing: Int64

        /// Creates a record.
        package init(status: PresenceStatus, lastPing: Int64) {
            self.status = status
            self.lastPing = lastPing
        }
    }

    /// Every listed user's record.
    package private(set) var records: [PresenceUserID: Record] = [:]
    /// The status each user was last published with, so that turning away is published once.
    private var published: [PresenceUserID: PresenceStatus] = [:]
    private let active: Int64
    private let away: Int64

    /// An empty partition with the settings' lifetimes.
    package init(settings: PresenceSettings) {
        active = Self.milliseconds(settings.lifetimeActive)
        away = Self.milliseconds(settings.lifetimeAway)
    }

    /// A partition holding `records` as loaded from storage. Records that expired while the partition was closed
    /// stay until the first sweep (due at once), which removes them and publishes their removal.
    package init(settings: PresenceSettings, records: [PresenceUserID: Record]) {
        self.init(settings: settings)
        self.records = records
        for (user, record) in records { published[user] = record.status }
    }

    /// Records a ping. Returns the change to publish, or nil when the user's entry is unchanged (same status, same
    /// second).
    package mutating func ping(_ user: PresenceUserID, status: PresenceStatus, at now: Int64) -> PresenceChange? {
        precondition(status != .away, "clients send available or busy")
        let before = records[user].map { entry(user, $0, status: published[user] ?? $0.status) }
        let record = Record(status: status, lastPing: now)
        records[user] = record
        published[user] = status
        let after = entry(user, record, status: status)
        return after == before ? nil : .upsert(after)
    }

    /// The changes due at `now`: users turning away and users removed.
    package mutating func sweep(at now: Int64) -> [PresenceChange] {
        var changes: [PresenceChange] = []
        for (user, record) in records {
            switch status(of: record, at: now) {
            case nil:
                records[user] = nil
                published[user] = nil
                changes.append(.remove(user))
            case .away? where published[user] != .away:
                published[user] = .away
                changes.append(.upsert(entry(user, record, status: .away)))
            default:
                break
            }
        }
        return changes
    }

    /// When the next change is due (milliseconds since the epoch), or nil with no user listed.
    package var nextDeadline: Int64? {
        records.lazy.map { user, record in
            record.lastPing + (self.published[user] == .away ? self.active + self.away : self.active)
        }.min()
    }

    /// Removes every user.
    package mutating func clear() -> [PresenceChange] {
        defer {
            records = [:]
            published = [:]
        }
        return records.keys.map { .remove($0) }
    }

    /// Every listed user as last published.
    package var entries: [PresenceEntry] {
        records.map { user, record in entry(user, record, status: published[user] ?? record.status) }
    }

    /// A record's status at `now`, or nil once it has expired.
    private func status(of record: Record, at now: Int64) -> PresenceStatus? {
        let age = now - record.lastPing
        if age >= active + away { return nil }
        return age >= active ? .away : record.status
    }

    private func entry(_ user: PresenceUserID, _ record: Record, status: PresenceStatus) -> PresenceEntry {
        // Whole seconds, rounded down, as the original's `Math.floor(Date.now() / 1000)`.
        let seconds = record.lastPing >= 0 ? record.lastPing / 1000 : (record.lastPing - 999) / 1000
        return PresenceEntry(user: user, status: status, time: seconds)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
