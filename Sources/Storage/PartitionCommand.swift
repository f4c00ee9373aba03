package import Lobby
package import Presence
package import Stats
package import Steps

/// A command of any product, as one partition transaction applies it.
package enum PartitionCommand: Sendable, Hashable {
    /// A step-tracker command.
    case steps(StepsCommand)
    /// A learning-stats command.
    case stats(StatsCommand)
    /// A presence command from a gateway.
    case presence(PresenceCommand)
    /// The worker's own presence timeout sweep (never on the wire; answered by nobody).
    case presenceSweep
    /// A lobby command (only the lobby's partition receives them).
    case lobby(LobbyCommand)

    /// Whether the command only reads: a transaction of such commands writes nothing that a durability barrier
    /// would have to cover.
    package var isReadOnly: Bool {
        switch self {
        case .steps(.get), .stats(.course), .stats(.session), .presence(.snapshot), .lobby(.list), .lobby(.credentials):
            true
        // An owner-side login (older gateways) reads too, but its derivation dominates: it takes the common path.
        case .steps, .stats, .presence, .presenceSweep, .lobby: false
        }
    }

    /// Whether the command is answered from the file and the partition's memory without writing either, so that it
    /// may run on a read-only connection (`PartitionDatabase.readNow`). The lobby's reads are not: the first one
    /// loads, and on a fresh file seeds, the lobby.
    package var isPureRead: Bool {
        switch self {
        case .steps(.get), .stats(.course), .stats(.session), .presence(.snapshot): true
        case .steps, .stats, .presence, .presenceSweep, .lobby: false
        }
    }
}

/// The answer to a `PartitionCommand`.
package enum PartitionReply: Sendable, Hashable {
    /// A step-tracker reply.
    case steps(StepsReply)
    /// A learning-stats reply.
    case stats(StatsReply)
    /// A presence reply.
    case presence(PresenceReply)
    /// A lobby reply.
    case lobby(LobbyReply)
    /// Nothing to answer (the worker's own commands).
    case none

    /// The reply's body frame.
    package func encoded() -> [UInt8] {
        switch self {
        case .steps(let reply): reply.encoded()
        case .stats(let reply): reply.encoded()
        case .presence(let reply): reply.encoded()
        case .lobby(let reply): reply.encoded()
        case .none: []
        }
    }
}
