/// A user's presence status (contracts §3).
package enum PresenceStatus: String, Sendable, Hashable, CaseIterable {
    /// Online and available (sent by clients).
    case available
    /// Online but busy (sent by clients).
    case busy
    /// Generated: no ping for `STATUS_LIFETIME_ACTIVE` seconds.
    case away

    /// A status a client may send: `available` or `busy`.
    package init?(clientValue: String) {
        switch clientValue {
        case "available": self = .available
        case "busy": self = .busy
        default: return nil
        }
    }
}
