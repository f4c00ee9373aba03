import Hummingbird
import HummingbirdWebSocket
import Logging
import Steps
import Wire

/// One step-tracker WebSocket connection: every text frame is an update (contracts §1).
struct StepsWebSocketHandler: Sendable {
    let fleet: FleetClient
    let validator: StepsValidator
    let maxMessageSize: Int
    let maxInFlight: Int
    /// How long an update may wait for its commit; past it the client gets no ack and should resend.
    let updateTimeout: Duration
    /// The gateway's graceful drain.
    let drain: WebSocketDrain
    /// The client limits (the connection's message rate).
    let edge: EdgeLimits

    /// Whether the upgrade request opted into acknowledgements (`?ack=1`).
    static func wantsAcks(_ request: HTTPRequest) -> Bool {
        guard let path = request.path, let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else {
            return false
        }
        return query.split(separator: "&").contains { $0 == "ack=1" || $0 == "ack=true" }
    }

    func handle(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, acks: Bool, logger: Logger
    ) async throws {
        let (replies, replyQueue) = AsyncStream.makeStream(of: String.self)
        let limiter = InFlightLimiter(limit: maxInFlight)
        // On graceful shutdown the drain stops new updates (they get no ack; the client resends them elsewhere),
        // waits for the acks of those in flight, and closes with 1001.
        let token = drain.opened {
            await limiter.whenIdle()
            try? await outbound.close(.goingAway, reason: "server shutting down")
        }
        guard let token else {
            try await outbound.close(.goingAway, reason: "server shutting down")
            return
        }
        defer { drain.closed(token) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Acks come back on the fleet's thread in any order; one writer task keeps socket writes serial.
            group.addTask {
                for await text in replies {
                    try await outbound.write(.text(text))
                    // A reply holds its slot until written: a client that never reads cannot grow the queue.
                    limiter.release()
                }
            }
            defer { replyQueue.finish() }
            try await readUpdates(
                inbound, acks: acks, replyQueue: replyQueue, limiter: limiter, logger: logger)
            replyQueue.finish()
            try await group.waitForAll()
        }
    }

    private func readUpdates(
        _ inbound: WebSocketInboundStream, acks: Bool, replyQueue: AsyncStream<String>.Continuation,
        limiter: InFlightLimiter, logger: Logger
    ) async throws {
        var pacer = edge.pacer(counting: fleet.counters)
        for try await message in inbound.messages(maxSize: maxMessageSize) {
            try await pacer.pace()
            // Draining: nothing new is started, so the in-flight count only goes down.
            if drain.isDraining { continue }
            let outcome: Result<StepsUpdate, StepsRejection>
            switch message {
            case .text(let text):
                outcome = validator.validate(text.utf8)
            case .binary:
                outcome = .failure(StepsRejection(updateID: nil, error: "binary frames are not updates"))
            }
            // With acks every frame gets a reply, so every frame takes a slot; without, only updates in flight do.
            if acks || outcome.isSuccess {
                guard await limiter.acquire() else { return }
            }
            switch outcome {
            case .failure(let rejection):
                if acks { replyQueue.yield(StepsJSON.rejected(rejection)) }
            case .success(let update):
                fleet.request(
                    product: .steps, key: update.username, body: StepsCommand.update(update).encoded(),
                    idempotent: true, timeout: updateTimeout
                ) { result in
                    if acks, case .success(let body) = result, case .updated = try? StepsReply(decoding: body) {
                        replyQueue.yield(StepsJSON.ack(update.updateID))  // the writer releases the slot
                        return
                    }
                    limiter.release()
                    if case .failure(let error) = result {
                        logger.warning(
                            "update not acknowledged",
                            metadata: ["update_id": "\(update.updateID)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
