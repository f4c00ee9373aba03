import Fleet
import Lobby
import Logging
import Presence
import Stats
import Steps
import Storage
import Wire
import ZeroMQ

/// Decodes one inbound batch and hands each partition's commands to its lane; the lanes commit and answer.
///
/// Nothing here waits for a commit: the next batch is decoded while earlier ones are still being written, and
/// whatever piles up for a partition in the meantime joins its next transaction (group commit).
struct CommandProcessor: Sendable {
    let ownership: PartitionOwnership
    let context: CommitContext
    /// Serves partition files to other hosts' workers, answering on `commandSocket`.
    let files: PartitionFileServer
    let commandSocket: ZMQSocketID
    /// Whether the reads of an idle partition are answered here, on the I/O thread (`PartitionLane.readNow`).
    let readsOnIOThread: Bool

    func process(_ batch: [ZMQMessage]) {
        let snapshot = ownership.snapshot
        var outgoing: [ZMQMessage] = []
        var byPartition: [UInt16: [PartitionLane.Item]] = [:]
        for frames in batch {
            let message: WireMessage
            do {
                // frames[0] is the ROUTER's identity of the sending gateway.
                message = try WireMessage(frames: frames, routingFrames: 1)
            } catch {
                drop(error)
                continue
            }
            guard message.envelope.kind == .batch else {
                admit(message, identity: frames[0], snapshot: snapshot, byPartition: &byPartition, outgoing: &outgoing)
                continue
            }
            // Each packed message as if it had come alone; a broken one is dropped and counted, the rest go on.
            let (messages, errors) = WireBatch.unpack(message.body)
            context.counters.add(.batchReceived)
            context.counters.add(.batchedMessageReceived, count: messages.count)
            for error in errors { drop(error) }
            for packed in messages {
                admit(packed, identity: frames[0], snapshot: snapshot, byPartition: &byPartition, outgoing: &outgoing)
            }
        }
        for (partition, items) in byPartition {
            let lane = snapshot.owned[partition]?.lane
            // Reads of an idle partition are answered here and now, with this batch's other answers.
            if readsOnIOThread, let outcome = lane?.readNow(items) {
                outgoing += context.answers(items, with: .success(outcome), partition: partition)
                continue
            }
            guard let lane, lane.submit(items) else {
                // The partition is being handed over: the gateway resends under the new map.
                for item in items {
                    guard let envelope = item.envelope else { continue }
                    outgoing.append(context.reply(to: envelope, status: .notOwner, epoch: snapshot.epoch, body: []))
                }
                continue
            }
        }
        if !outgoing.isEmpty { context.engine.send(outgoing, on: context.publishSocket) }
    }

    /// Decides one message: queued for its partition's lane, answered at once, served (a file) or dropped.
    private func admit(
        _ message: WireMessage, identity: [UInt8], snapshot: PartitionOwnership.Snapshot,
        byPartition: inout [UInt16: [PartitionLane.Item]], outgoing: inout [ZMQMessage]
    ) {
        let envelope = message.envelope
        let since = snapshot.owned[envelope.partition]?.since
        switch CommandAdmission.decide(envelope, mapEpoch: snapshot.epoch, ownedSince: since) {
        case .silent:
            return
        case .pong:
            outgoing.append(context.reply(to: envelope, kind: .pong, status: .ok, epoch: snapshot.epoch, body: []))
        case .drop:
            drop(WireError(.badValue, "unexpected \(envelope.kind) on the command socket"))
        case .serveFile:
            files.serve(identity: identity, envelope: envelope, body: message.body, on: commandSocket)
        case .refuse(let status):
            outgoing.append(context.reply(to: envelope, status: status, epoch: snapshot.epoch, body: []))
        case .accept:
            do {
                let command = try Self.decode(message.body, product: envelope.product)
                byPartition[envelope.partition, default: []].append(.init(envelope: envelope, command: command))
            } catch {
                drop(error)
                outgoing.append(context.reply(to: envelope, status: .malformed, epoch: snapshot.epoch, body: []))
            }
        }
    }

    /// The command in `body`, by the envelope's product.
    static func decode(_ body: [UInt8], product: ProductCode) throws(WireError) -> PartitionCommand {
        switch product {
        case .steps: .steps(try StepsCommand(decoding: body))
        case .stats: .stats(try StatsCommand(decoding: body))
        case .presence: .presence(try PresenceCommand(decoding: body))
        case .lobby: .lobby(try LobbyCommand(decoding: body))
        case .fleet: throw WireError(.badValue, "no \(product) commands on this worker")
        }
    }

    private func drop(_ error: any Error) {
        context.counters.addMalformed()
        context.logger.warning("malformed message dropped", metadata: ["error": "\(error)"])
    }
}
