package import GRDB
package import Lobby
package import Presence
import Stats
package import Steps

/// Applies one partition transaction's commands, whatever their product.
package enum PartitionRepository {
    /// What a transaction produced.
    package struct Outcome: Sendable {
        /// One reply per command, in order.
        package var replies: [PartitionReply]
        /// The presence changes made, in order: published as one event once the transaction is durable.
        package var presenceChanges: [PresenceChange]
        /// The lobby's changes, each with its sequence number: published once the transaction is durable.
        package var lobbyEvents: [(sequence: UInt64, event: LobbyEvent)] = []
        /// The partition's memory after the transaction, to keep once it has committed.
        package var memory: PartitionMemory
    }

    /// Applies `commands` inside the caller's transaction at time `now` (ms since the epoch) to the partition whose
    /// memory is `memory`, and returns the replies, the presence changes and the memory to keep if it commits.
    ///
    /// Each product's commands are applied in their arrival order. Products share no state, so applying all of one
    /// product's commands before another's gives the same result as the arrival order, and lets each repository
    /// batch its own (the step tracker reads and writes each user once per transaction).
    package static func apply(
        _ commands: [PartitionCommand], in db: Database, stepsLimits: StepsLimits = .default,
        memory: PartitionMemory, now: Int64
    ) throws -> Outcome {
        var steps: [StepsCommand] = []
        var stats: [StatsCommand] = []
        var presence: [PresenceRepository.Command] = []
        var lobby: [LobbyCommand] = []
        for command in commands {
            switch command {
            case .steps(let c): steps.append(c)
            case .stats(let c): stats.append(c)
            case .presence(let c): presence.append(.gateway(c))
            case .presenceSweep: presence.append(.sweep)
            case .lobby(let c): lobby.append(c)
            }
        }
        var memory = memory
        if stats.isEmpty && presence.isEmpty && lobby.isEmpty {
            let replies = try StepsRepository.apply(steps, in: db, limits: stepsLimits).map { PartitionReply.steps($0) }
            return Outcome(replies: replies, presenceChanges: [], memory: memory)
        }
        var stepsReplies = try StepsRepository.apply(steps, in: db, limits: stepsLimits).makeIterator()
        var statsReplies = try StatsRepository.apply(stats, in: db).makeIterator()
        let (presenceReplies, changes) = try PresenceRepository.apply(
            presence, in: db, state: &memory.presence, sequence: &memory.presenceSequence, now: now)
        var presenceIterator = presenceReplies.makeIterator()
        let (lobbyReplies, lobbyEvents) =
            lobby.isEmpty
            ? ([], []) : try LobbyRepository.apply(lobby, in: db, state: &memory.lobby, sequence: &memory.lobbySequence)
        var lobbyIterator = lobbyReplies.makeIterator()
        // Each repository answers exactly one reply per command given, so the iterators cannot run dry.
        let replies = commands.map { command -> PartitionReply in
            switch command {
            case .steps: .steps(stepsReplies.next()!)
            case .stats: .stats(statsReplies.next()!)
            case .presence, .presenceSweep: presenceIterator.next()!.map { .presence($0) } ?? .none
            case .lobby: .lobby(lobbyIterator.next()!)
            }
        }
        return Outcome(replies: replies, presenceChanges: changes, lobbyEvents: lobbyEvents, memory: memory)
    }
}
