/// A change to the table list, as the lobby's owner publishes it and every gateway replays it (contracts §4:
/// `table_added`, `table_updated`, `table_removed`).
package enum LobbyEvent: Sendable, Hashable {
    /// `table` was inserted after the table `afterID`, or first when `afterID` is −1.
    case tableAdded(afterID: Int64, table: LobbyTable)
    /// The table with `table.id` now has this name and participant count.
    case tableUpdated(table: LobbyTable)
    /// The table `id` is gone.
    case tableRemoved(id: Int64)

    /// The `after_id` that inserts a table first.
    package static let first: Int64 = -1

    /// Replays the event on `tables`, exactly as `LobbyState` made it. Returns false, leaving `tables` unchanged,
    /// when the event does not fit them (unknown `afterID` or id, or an id already listed): the copy is then out of
    /// step with the owner and must be re-read.
    @discardableResult
    package func apply(to tables: inout [LobbyTable]) -> Bool {
        switch self {
        case .tableAdded(let afterID, let table):
            guard !tables.contains(where: { $0.id == table.id }) else { return false }
            if afterID == Self.first {
                tables.insert(table, at: 0)
            } else {
                guard let index = tables.firstIndex(where: { $0.id == afterID }) else { return false }
                tables.insert(table, at: index + 1)
            }
        case .tableUpdated(let table):
            guard let index = tables.firstIndex(where: { $0.id == table.id }) else { return false }
            tables[index] = table
        case .tableRemoved(let id):
            guard let index = tables.firstIndex(where: { $0.id == id }) else { return false }
            tables.remove(at: index)
        }
        return true
    }
}
