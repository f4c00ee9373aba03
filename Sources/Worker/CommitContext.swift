import Fleet
import Lobby
import Logging
import Presence
import Steps
import Storage
import Wire
import ZeroMQ

/// What every lane of a worker shares to answer its commands.
struct CommitContext: Sendable {
    let workerID: String
    let engine: ZMQEngine
    let publishSocket: ZMQSocketID
    let counters: ProcessCounters
    let stepsLimits: StepsLimits
    /// Presence lifetimes (from the environment, contracts §3).
    let presenceSettings: PresenceSettings
    let logger: Logger
    /// The current map epoch, stamped on replies.
    let epoch: @Sendable () -> UInt64

    /// A lane for `database` whose answers are published by this context.
    func lane(for database: PartitionDatabase, memory: PartitionMemory, round: CommitRound?) -> PartitionLane {
        PartitionLane(database: database, limits: stepsLimits, memory: memory, round: round, counters: counters) {
            batch, result in
            answer(batch, with: result, partition: database.partition)
        }
    }

    /// Publishes the transaction's presence event, then one reply per committed command; or a `failed` status for
    /// all of them if the transaction failed (and no event: gateways see the gap in the sequence and resync).
    func answer(
        _ batch: [PartitionLane.Item], with result: Result<PartitionRepository.Outcome, any Error>, partition: UInt16
    ) {
        let messages = answers(batch, with: result, partition: partition)
        if !messages.isEmpty { engine.send(messages, on: publishSocket) }
    }

    /// The messages that answer a transaction (or a read): its events, then one reply per command.
    func answers(
        _ batch: [PartitionLane.Item], with result: Result<PartitionRepository.Outcome, any Error>, partition: UInt16
    ) -> [ZMQMessage] {
        let epoch = epoch()
        var messages: [ZMQMessage] = []
        messages.reserveCapacity(batch.count + 1)
        switch result {
        case .success(let outcome):
            counters.addProcessed(outcome.replies.count)
            countApplied(batch)
            // Before the replies: a gateway has applied the change when a ping's reply reaches it.
            if !outcome.presenceChanges.isEmpty {
                let event = Envelope(
                    kind: .event, product: .presence, partition: partition, epoch: epoch,
                    sequence: outcome.memory.presenceSequence, origin: workerID)
                messages.append([
                    Envelope.eventTopic(for: .presence), event.encoded(), PresenceEvent.encode(outcome.presenceChanges),
                ])
            }
            for (sequence, change) in outcome.lobbyEvents {
                let event = Envelope(
                    kind: .event, product: .lobby, partition: partition, epoch: epoch, sequence: sequence,
                    origin: workerID)
                messages.append([Envelope.eventTopic(for: .lobby), event.encoded(), LobbyEventBody.encode(change)])
            }
            for (item, reply) in zip(batch, outcome.replies) {
                guard let envelope = item.envelope else { continue }
                messages.append(self.reply(to: envelope, status: .ok, epoch: epoch, body: reply.encoded()))
            }
        case .failure(let error):
            logger.error(
                "partition transaction failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            for item in batch {
                guard let envelope = item.envelope else { continue }
                messages.append(self.reply(to: envelope, status: .failed, epoch: epoch, body: []))
            }
        }
        return messages
    }

    /// Counts a committed transaction's commands by product, one counter add per product present (and no
    /// allocation: this runs once per transaction).
    private func countApplied(_ batch: [PartitionLane.Item]) {
        var perProduct: InlineArray<5, Int> = .init(repeating: 0)
        for item in batch { perProduct[Int(item.command.product.rawValue)] += 1 }
        for product in ProductCode.clientProducts where perProduct[Int(product.rawValue)] > 0 {
            if let counter = EdgeCounter.commandsApplied(of: product) {
                counters.add(counter, count: perProduct[Int(product.rawValue)])
            }
        }
    }

    /// A reply message on the origin gateway's topic.
    func reply(
        to envelope: Envelope, kind: MessageKind = .reply, status: ReplyStatus, epoch: UInt64, body: [UInt8]
    ) -> ZMQMessage {
        let answer = envelope.reply(kind: kind, status: status, epoch: epoch, origin: workerID)
        return [Envelope.replyTopic(for: envelope.origin), answer.encoded(), body]
    }
}

extension PartitionCommand {
    /// The product the command belongs to (a presence sweep is presence's).
    var product: ProductCode {
        switch self {
        case .steps: .steps
        case .stats: .stats
        case .presence, .presenceSweep: .presence
        case .lobby: .lobby
        }
    }
}
