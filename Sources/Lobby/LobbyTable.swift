/// One lobby table: `{"id": 1, "name": "table - James Bond", "participants": 7}` (contracts §4).
package struct LobbyTable: Sendable, Hashable {
    /// The id the server assigned.
    package var id: Int64
    /// The table's name: non-empty, at most `LobbyLimits.maxNameBytes` UTF-8 bytes.
    package var name: String
    /// How many participants sit at it.
    package var participants: Int64

    /// Creates a table.
    package init(id: Int64, name: String, participants: Int64) {
        self.id = id
        self.name = name
        self.participants = participants
    }
}
