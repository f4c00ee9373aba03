/// Why the lobby's owner refused a table change: a reply value, answered to the sender only (contracts §4).
package enum LobbyFailure: Error, Sendable, Hashable {
    /// `after_id` names no table (or the lobby is full): `addition_failed{after_id}`.
    case additionFailed(afterID: Int64)
    /// No table has this id: `update_failed{id}`.
    case updateFailed(id: Int64)
    /// No table has this id: `removal_failed{id}`.
    case removalFailed(id: Int64)
    /// The name or participant count breaks `LobbyLimits`: `invalid_message{reason}`. Gateways check this before
    /// sending, so only a gateway with other limits (or a bug) meets it; the owner checks again because it is the
    /// last line before storage.
    case invalid(reason: String)
}
