import Fleet
import Logging
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
    let logger: Logger
    /// The current map epoch, stamped on replies.
    let epoch: @Sendable () -> UInt64

    /// A lane for `database` whose answers are published by this context.
    func lane(for database: PartitionDatabase, round: CommitRound?) -> PartitionLane {
        PartitionLane(database: database, limits: stepsLimits, round: round) { batch, result in
            answer(batch, with: result, partition: database.partition)
        }
    }

    /// Publishes one reply per committed command, or a `failed` status for all of them if the transaction failed.
    func answer(_ batch: [PartitionLane.Item], with result: Result<[PartitionReply], any Error>, partition: UInt16) {
        let epoch = epoch()
        var messages: [ZMQMessage] = []
        messages.reserveCapacity(batch.count)
        switch result {
        case .success(let replies):
            counters.addProcessed(replies.count)
            for (item, reply) in zip(batch, replies) {
                messages.append(self.reply(to: item.envelope, status: .ok, epoch: epoch, body: reply.encoded()))
            }
        case .failure(let error):
            logger.error(
                "partition transaction failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            for item in batch {
                messages.append(self.reply(to: item.envelope, status: .failed, epoch: epoch, body: []))
            }
        }
        engine.send(messages, on: publishSocket)
    }

    /// A reply message on the origin gateway's topic.
    func reply(
        to envelope: Envelope, kind: MessageKind = .reply, status: ReplyStatus, epoch: UInt64, body: [UInt8]
    ) -> ZMQMessage {
        let answer = envelope.reply(kind: kind, status: status, epoch: epoch, origin: workerID)
        return [Envelope.replyTopic(for: envelope.origin), answer.encoded(), body]
    }
}
