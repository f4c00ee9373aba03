package import JSON

/// A message a client sends on the lobby's WebSocket, decoded and validated (contracts §4).
package enum LobbyClientMessage: Sendable, Hashable {
    /// `login{username,password}`.
    case login(username: String, password: String)
    /// `ping{seq}`: `seq` is echoed back in `pong` exactly as given, whatever JSON value it is.
    case ping(seq: JSONValue)
    /// `subscribe_tables`.
    case subscribeTables
    /// `unsubscribe_tables`.
    case unsubscribeTables
    /// `add_table{after_id,table{name,participants}}` (privileged); a client-sent `table.id` is ignored.
    case addTable(afterID: Int64, name: String, participants: Int64)
    /// `update_table{table{id,name,participants}}` (privileged).
    case updateTable(LobbyTable)
    /// `remove_table{id}` (privileged).
    case removeTable(id: Int64)

    /// The message's `$type`.
    package var type: String {
        switch self {
        case .login: "login"
        case .ping: "ping"
        case .subscribeTables: "subscribe_tables"
        case .unsubscribeTables: "unsubscribe_tables"
        case .addTable: "add_table"
        case .updateTable: "update_table"
        case .removeTable: "remove_table"
        }
    }

    /// Whether only an admin may send it.
    package var isPrivileged: Bool {
        switch self {
        case .addTable, .updateTable, .removeTable: true
        case .login, .ping, .subscribeTables, .unsubscribeTables: false
        }
    }
}
