/// Limits of the game lobby (contracts §4 fixes only the name's 256 bytes and participants ≥ 0; the others keep one
/// connection or one admin from exhausting the single partition that owns the lobby).
package struct LobbyLimits: Sendable, Hashable {
    /// Longest table name in UTF-8 bytes (contracts §4).
    package var maxNameBytes: Int
    /// Most participants a table may have. The contract only asks for an integer ≥ 0; a bound keeps the value exact
    /// in every JSON client (JavaScript numbers are exact up to 2^53) and in SQLite.
    package var maxParticipants: Int64
    /// Most tables the lobby holds; adding one more fails with `addition_failed`, since every subscriber receives the
    /// whole list at once.
    package var maxTables: Int
    /// Longest WebSocket text frame a client may send, in bytes. Server messages are not bounded by it: a full
    /// `table_list` of `maxTables` tables is larger.
    package var maxMessageBytes: Int
    /// Longest username or password in UTF-8 bytes; a longer one cannot belong to any user, so logging in with it
    /// fails without asking the fleet.
    package var maxCredentialBytes: Int

    /// Creates limits.
    package init(
        maxNameBytes: Int = 256, maxParticipants: Int64 = 1_000_000_000, maxTables: Int = 10_000,
        maxMessageBytes: Int = 65_536, maxCredentialBytes: Int = 1024
    ) {
        self.maxNameBytes = maxNameBytes
        self.maxParticipants = maxParticipants
        self.maxTables = maxTables
        self.maxMessageBytes = maxMessageBytes
        self.maxCredentialBytes = maxCredentialBytes
    }

    /// The defaults.
    package static let `default` = LobbyLimits()

    /// Largest id or `after_id` accepted: 2^53, the largest integer every JSON client reads exactly.
    package static let maxSafeInteger: Int64 = 1 << 53

    /// Why `name` is not a valid table name, or nil if it is.
    func problem(name: String) -> String? {
        if name.isEmpty { return "name must not be empty" }
        if name.utf8.count > maxNameBytes { return "name is longer than \(maxNameBytes) bytes" }
        return nil
    }

    /// Why `participants` is not a valid count, or nil if it is.
    func problem(participants: Int64) -> String? {
        if participants < 0 { return "participants must be >= 0" }
        if participants > maxParticipants { return "participants must be <= \(maxParticipants)" }
        return nil
    }
}
