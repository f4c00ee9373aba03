/// How hard a commit is pushed to disk before it is acknowledged.
package enum Durability: String, Sendable, CaseIterable {
    /// `PRAGMA synchronous=FULL`: a commit survives a process kill and a power loss.
    case full
    /// `PRAGMA synchronous=NORMAL` in WAL mode: survives a process kill; the last commits may be lost on power loss.
    case normal
}
