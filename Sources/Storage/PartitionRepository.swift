public import GRDB
import Stats
public import Steps

/// Applies one partition transaction's commands, whatever their product.
public enum PartitionRepository {
    /// Applies `commands` inside the caller's transaction and returns one reply per command, in order.
    ///
    /// Each product's commands are applied in their arrival order. Products share no state, so applying all of one
    /// product's commands before another's gives the same result as the arrival order, and lets each repository
    /// batch its own (the step tracker reads and writes each user once per transaction).
    public static func apply(_ commands: [PartitionCommand], in db: Database, stepsLimits: StepsLimits = .default)
        throws -> [PartitionReply]
    {
        var steps: [StepsCommand] = []
        var stats: [StatsCommand] = []
        for command in commands {
            switch command {
            case .steps(let c): steps.append(c)
            case .stats(let c): stats.append(c)
            }
        }
        if stats.isEmpty {
            return try StepsRepository.apply(steps, in: db, limits: stepsLimits).map { .steps($0) }
        }
        var stepsReplies = try StepsRepository.apply(steps, in: db, limits: stepsLimits).makeIterator()
        var statsReplies = try StatsRepository.apply(stats, in: db).makeIterator()
        // Each repository answers exactly one reply per command given, so the iterators cannot run dry.
        return commands.map { command in
            switch command {
            case .steps: .steps(stepsReplies.next()!)
            case .stats: .stats(statsReplies.next()!)
            }
        }
    }
}
