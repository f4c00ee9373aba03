/// Failed logins per username, as a pure state machine (docs/operations.md, "Client limits"): after
/// `maxFailures` failures in a row a name is locked for `lockout`, during which its logins are refused without a
/// password check. A success clears the name's count. Times are monotonic nanoseconds, passed in.
///
/// Locking a name lets a stranger keep its owner out for a while, which is the accepted price (every lock is
/// counted and logged): a gateway that remembers a recent successful login (its credential cache) still lets the
/// owner in, and the lockout is short.
package struct LoginThrottle: Sendable {
    /// Failures in a row before a name is locked.
    package let maxFailures: Int
    /// How long a locked name stays locked.
    package let lockout: Duration
    /// Names tracked at most; past it the entries whose last failure is oldest are forgotten.
    package let maxNames: Int

    private struct Entry: Sendable {
        var failures: Int
        var last: Int64
        var lockedUntil: Int64?
    }
    private var entries: [String: Entry] = [:]

    /// A throttle with the given limits.
    package init(maxFailures: Int = 5, lockout: Duration = .seconds(30), maxNames: Int = 10_000) {
        self.maxFailures = max(1, maxFailures)
        self.lockout = lockout
        self.maxNames = max(1, maxNames)
    }

    /// Whether a login for `username` may be checked now (false: refuse it unchecked).
    package func allows(_ username: String, at now: Int64) -> Bool {
        guard let until = entries[username]?.lockedUntil else { return true }
        return now >= until
    }

    /// Records a wrong password (or unknown name); returns true when this failure locked the name.
    @discardableResult
    package mutating func failed(_ username: String, at now: Int64) -> Bool {
        var entry = entries[username] ?? Entry(failures: 0, last: now, lockedUntil: nil)
        if let until = entry.lockedUntil, now >= until {
            // The lock ran out: a fresh run of attempts, one failure from locking again.
            entry.failures = maxFailures - 1
            entry.lockedUntil = nil
        }
        entry.failures += 1
        entry.last = now
        var locked = false
        if entry.failures >= maxFailures, entry.lockedUntil == nil {
            entry.lockedUntil = now + Self.nanoseconds(lockout)
            locked = true
        }
        if entries[username] == nil, entries.count >= maxNames { forgetOldest() }
        entries[username] = entry
        return locked
    }

    /// Records a successful login: the name starts afresh.
    package mutating func succeeded(_ username: String) {
        entries[username] = nil
    }

    /// Names tracked now.
    package var trackedNames: Int { entries.count }

    private mutating func forgetOldest() {
        let drop = entries.sorted { $0.value.last < $1.value.last }.prefix(max(1, maxNames / 2))
        for (name, _) in drop { entries[name] = nil }
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
