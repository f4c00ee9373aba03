package import JSON

/// A message the lobby sends on a WebSocket (contracts §4); `jsonText` is the frame.
package enum LobbyServerMessage: Sendable, Hashable {
    /// `login_successful{user_type}`.
    case loginSuccessful(userType: LobbyUserType)
    /// `login_failed`.
    case loginFailed
    /// `pong{seq}`, `seq` as the ping gave it.
    case pong(seq: JSONValue)
    /// `table_list{tables}`.
    case tableList([LobbyTable])
    /// `table_added{after_id,table}`.
    case tableAdded(afterID: Int64, table: LobbyTable)
    /// `table_updated{table}`.
    case tableUpdated(table: LobbyTable)
    /// `table_removed{id}`.
    case tableRemoved(id: Int64)
    /// `not_authenticated`: any message but `login` and `ping` before a successful login.
    case notAuthenticated
    /// `not_authorized`: a privileged message from a non-admin.
    case notAuthorized
    /// `addition_failed{after_id}`.
    case additionFailed(afterID: Int64)
    /// `update_failed{id}`.
    case updateFailed(id: Int64)
    /// `removal_failed{id}`.
    case removalFailed(id: Int64)
    /// `invalid_message{reason}`.
    case invalidMessage(reason: String)

    /// The message announcing `event` to subscribers.
    package init(_ event: LobbyEvent) {
        switch event {
        case .tableAdded(let afterID, let table): self = .tableAdded(afterID: afterID, table: table)
        case .tableUpdated(let table): self = .tableUpdated(table: table)
        case .tableRemoved(let id): self = .tableRemoved(id: id)
        }
    }

    /// The message answering a refused change to its sender.
    package init(_ failure: LobbyFailure) {
        switch failure {
        case .additionFailed(let afterID): self = .additionFailed(afterID: afterID)
        case .updateFailed(let id): self = .updateFailed(id: id)
        case .removalFailed(let id): self = .removalFailed(id: id)
        case .invalid(let reason): self = .invalidMessage(reason: reason)
        }
    }

    /// The message's `$type`.
    package var type: String {
        switch self {
        case .loginSuccessful: "login_successful"
        case .loginFailed: "login_failed"
        case .pong: "pong"
        case .tableList: "table_list"
        case .tableAdded: "table_added"
        case .tableUpdated: "table_updated"
        case .tableRemoved: "table_removed"
        case .notAuthenticated: "not_authenticated"
        case .notAuthorized: "not_authorized"
        case .additionFailed: "addition_failed"
        case .updateFailed: "update_failed"
        case .removalFailed: "removal_failed"
        case .invalidMessage: "invalid_message"
        }
    }
}
