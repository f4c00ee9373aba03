/// One user as the list shows it: `{"user": "1", "status": "busy", "time": 1676735121}` (contracts §3).
package struct PresenceEntry: Sendable, Hashable {
    /// The user.
    package var user: PresenceUserID
    /// The status now: what the user last sent, or `away`.
    package var status: PresenceStatus
    /// The time of the user's last ping, in whole seconds since the epoch (unchanged when the user turns away).
    package var time: Int64

    /// Creates an entry.
    package init(user: PresenceUserID, status: PresenceStatus, time: Int64) {
        self.user = user
        self.status = status
        self.time = time
    }
}

/// A change to the presence set of one partition, as workers publish it and gateways apply it.
package enum PresenceChange: Sendable, Hashable {
    /// The user is listed with this entry (new, pinged again, or turned away).
    case upsert(PresenceEntry)
    /// The user is no longer listed (expired or cleared).
    case remove(PresenceUserID)
}

/// How many listed users have each status.
package struct PresenceCounts: Sendable, Hashable {
    /// Users available.
    package var available: Int
    /// Users busy.
    package var busy: Int
    /// Users away.
    package var away: Int

    /// Creates counts.
    package init(available: Int = 0, busy: Int = 0, away: Int = 0) {
        self.available = available
        self.busy = busy
        self.away = away
    }

    /// Counts `status` once more (or, with `by: -1`, once less).
    package mutating func add(_ status: PresenceStatus, by delta: Int = 1) {
        switch status {
        case .available: available += delta
        case .busy: busy += delta
        case .away: away += delta
        }
    }
}
