import Fleet
import Logging
import Steps
import Storage
import Wire
import ZeroMQ

/// Applies one inbound batch: every command for a partition in one transaction (group commit), then the replies.
struct CommandProcessor: Sendable {
    let workerID: String
    let engine: ZMQEngine
    let publishSocket: ZMQSocketID
    let ownership: PartitionOwnership
    let counters: ProcessCounters
    let stepsLimits: StepsLimits
    let logger: Logger

    private struct Pending: Sendable {
        var envelope: Envelope
        var command: StepsCommand
    }

    func process(_ batch: [ZMQMessage]) async {
        let snapshot = await ownership.snapshot
        var outgoing: [ZMQMessage] = []
        var byPartition: [UInt16: [Pending]] = [:]
        for frames in batch {
            let message: WireMessage
            do {
                // frames[0] is the ROUTER's identity of the sending gateway.
                message = try WireMessage(frames: frames, routingFrames: 1)
            } catch {
                drop(error)
                continue
            }
            let envelope = message.envelope
            switch envelope.kind {
            case .ping:
                outgoing.append(reply(to: envelope, kind: .pong, status: .ok, epoch: snapshot.epoch, body: []))
            case .command:
                // A command routed by a newer map than ours is fine as long as we own the partition since an epoch
                // no newer than the command's: its sender saw us as the owner, and we still are.
                guard let owned = snapshot.owned[envelope.partition], owned.since <= envelope.epoch else {
                    outgoing.append(reply(to: envelope, status: .notOwner, epoch: snapshot.epoch, body: []))
                    continue
                }
                guard envelope.product == .steps else {
                    outgoing.append(reply(to: envelope, status: .malformed, epoch: snapshot.epoch, body: []))
                    continue
                }
                do {
                    let command = try StepsCommand(decoding: message.body)
                    byPartition[envelope.partition, default: []].append(Pending(envelope: envelope, command: command))
                } catch {
                    drop(error)
                    outgoing.append(reply(to: envelope, status: .malformed, epoch: snapshot.epoch, body: []))
                }
            default:
                drop(WireError(.badValue, "unexpected \(envelope.kind) on the command socket"))
            }
        }
        if !outgoing.isEmpty { engine.send(outgoing, on: publishSocket) }
        guard !byPartition.isEmpty else { return }

        let limits = stepsLimits
        let epoch = snapshot.epoch
        // Partitions are separate files: their commits (and fsyncs) overlap.
        await withTaskGroup(of: [ZMQMessage].self) { group in
            for (partition, pending) in byPartition {
                guard let database = snapshot.owned[partition]?.database else { continue }
                group.addTask {
                    let commands = pending.map(\.command)
                    do {
                        let replies = try await database.write { db in
                            try StepsRepository.apply(commands, in: db, limits: limits)
                        }
                        counters.addProcessed(replies.count)
                        return zip(pending, replies).map { item, result in
                            reply(to: item.envelope, status: .ok, epoch: epoch, body: result.encoded())
                        }
                    } catch {
                        logger.error(
                            "partition transaction failed",
                            metadata: ["partition": "\(partition)", "error": "\(error)"])
                        return pending.map { reply(to: $0.envelope, status: .failed, epoch: epoch, body: []) }
                    }
                }
            }
            for await replies in group { engine.send(replies, on: publishSocket) }
        }
    }

    private func reply(
        to envelope: Envelope, kind: MessageKind = .reply, status: ReplyStatus, epoch: UInt64, body: [UInt8]
    ) -> ZMQMessage {
        let answer = envelope.reply(kind: kind, status: status, epoch: epoch, origin: workerID)
        return [Envelope.replyTopic(for: envelope.origin), answer.encoded(), body]
    }

    private func drop(_ error: any Error) {
        counters.addMalformed()
        logger.warning("malformed message dropped", metadata: ["error": "\(error)"])
    }
}
