package import Lobby
package import Presence

/// What a worker keeps in memory for one open partition, next to its file: changed only by the partition's
/// transactions, in their order, and only once a transaction has committed.
package struct PartitionMemory: Sendable {
    /// The partition's presence records and their timeouts.
    package var presence: PresenceState
    /// The sequence number of the partition's last presence event. It starts from the time the file was opened,
    /// so a restarted worker's events never continue an earlier incarnation's sequence: a gateway sees the jump and
    /// resyncs the partition from a snapshot.
    package var presenceSequence: UInt64
    /// The lobby's tables, once read (only the lobby's partition ever reads them).
    package var lobby: LobbyState?
    /// The sequence number of the lobby's last event; starts from the open time like `presenceSequence`.
    package var lobbySequence: UInt64

    /// Creates the memory of a partition opened at `openedAt` (ms since the epoch).
    package init(presence: PresenceState, openedAt: Int64) {
        self.presence = presence
        // 2^20 sequence numbers per millisecond of wall clock before two incarnations could overlap.
        presenceSequence = UInt64(max(openedAt, 0)) << 20
        lobbySequence = presenceSequence
    }
}
