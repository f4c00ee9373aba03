/// The lobby's table list as its single owner keeps it: a value type with pure transitions, each answering the
/// event to publish or the failure to reply (contracts §4).
///
/// Ids are assigned from `nextID` and never reused, even after a removal, so that a late `table_removed` or
/// `update_table` can never hit a newer table that took the old id.
package struct LobbyState: Sendable, Hashable {
    /// The tables, in list order.
    package private(set) var tables: [LobbyTable]
    /// The id the next added table gets.
    package private(set) var nextID: Int64
    /// Limits applied to every change.
    package var limits: LobbyLimits

    /// The lobby on first start: the contract's two tables, ids 1 and 2.
    package static let initial = LobbyState(
        uncheckedTables: [
            LobbyTable(id: 1, name: "table - James Bond", participants: 7),
            LobbyTable(id: 2, name: "table - Mission Impossible", participants: 4),
        ],
        nextID: 3, limits: .default)

    /// A state loaded from storage; nil when it is inconsistent (two tables with one id, an id at or above
    /// `nextID`, or `nextID` below 1), so that the owner reports a corrupt store instead of serving it.
    package init?(tables: [LobbyTable], nextID: Int64, limits: LobbyLimits = .default) {
        guard nextID >= 1, Set(tables.map(\.id)).count == tables.count, tables.allSatisfy({ $0.id < nextID }) else {
            return nil
        }
        self.init(uncheckedTables: tables, nextID: nextID, limits: limits)
    }

    private init(uncheckedTables tables: [LobbyTable], nextID: Int64, limits: LobbyLimits) {
        self.tables = tables
        self.nextID = nextID
        self.limits = limits
    }

    /// The table with `id`, if listed.
    package func table(id: Int64) -> LobbyTable? { tables.first { $0.id == id } }

    /// Adds a table after `afterID` (−1: first) with the next id. Fails with `additionFailed` when `afterID` names no
    /// table or the lobby already holds `limits.maxTables` tables.
    package mutating func add(afterID: Int64, name: String, participants: Int64) -> Result<LobbyEvent, LobbyFailure> {
        if let reason = limits.problem(name: name) ?? limits.problem(participants: participants) {
            return .failure(.invalid(reason: reason))
        }
        // Ids stay below 2^53 so that every JSON client reads them exactly; at one id per add this never happens.
        guard tables.count < limits.maxTables, nextID <= LobbyLimits.maxSafeInteger else {
            return .failure(.additionFailed(afterID: afterID))
        }
        guard afterID == LobbyEvent.first || tables.contains(where: { $0.id == afterID }) else {
            return .failure(.additionFailed(afterID: afterID))
        }
        let event = LobbyEvent.tableAdded(
            afterID: afterID, table: LobbyTable(id: nextID, name: name, participants: participants))
        nextID += 1
        return .success(commit(event))
    }

    /// Replaces the name and participant count of table `id`. Fails with `updateFailed` when no table has `id`. An
    /// update that changes nothing is still published: it is what the admin asked, and replaying it is harmless.
    package mutating func update(id: Int64, name: String, participants: Int64) -> Result<LobbyEvent, LobbyFailure> {
        if let reason = limits.problem(name: name) ?? limits.problem(participants: participants) {
            return .failure(.invalid(reason: reason))
        }
        guard table(id: id) != nil else { return .failure(.updateFailed(id: id)) }
        return .success(commit(.tableUpdated(table: LobbyTable(id: id, name: name, participants: participants))))
    }

    /// Removes table `id`. Fails with `removalFailed` when no table has `id`.
    package mutating func remove(id: Int64) -> Result<LobbyEvent, LobbyFailure> {
        guard table(id: id) != nil else { return .failure(.removalFailed(id: id)) }
        return .success(commit(.tableRemoved(id: id)))
    }

    /// Applies a validated event through the same code a gateway's mirror uses, so a replay equals the state.
    private mutating func commit(_ event: LobbyEvent) -> LobbyEvent {
        let applied = event.apply(to: &tables)
        assert(applied, "a validated event applies")
        return event
    }
}
