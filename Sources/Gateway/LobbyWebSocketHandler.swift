import HummingbirdWebSocket
import Lobby
import Logging
import Synchronization

/// One lobby WebSocket connection (contracts §4): a `LobbyConnection` state machine fed with the frames in order;
/// each request it makes (a login check, a table change, a subscription) is carried out before the next frame is
/// read, so messages are processed and answered in the order they were sent.
struct LobbyWebSocketHandler: Sendable {
    let fleet: FleetClient
    let hub: LobbyHub
    let authenticator: LobbyAuthenticator
    let limits: LobbyLimits
    /// How long a subscription waits for the hub's first list before `table_list` is sent anyway.
    let listTimeout: Duration
    /// The gateway's graceful drain.
    let drain: WebSocketDrain
    /// Failed logins on one connection after which it is closed with 1008.
    let maxFailedLogins: Int
    /// The client limits (the connection's message rate).
    let edge: EdgeLimits

    private static let ids = Mutex<UInt64>(0)

    func handle(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let id = Self.ids.withLock { id in
            id += 1
            return id
        }
        let subscriber = hub.makeSubscriber()
        defer { hub.unsubscribe(id) }
        // On graceful shutdown: the message being processed is finished and answered, then 1001.
        let busy = InFlightLimiter(limit: 1)
        let token = drain.opened {
            await busy.whenIdle()
            subscriber.finish(with: .close(1001, reason: "server shutting down"))
        }
        guard let token else {
            try await outbound.close(.goingAway, reason: "server shutting down")
            return
        }
        defer { drain.closed(token) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One writer: replies and forwarded changes leave in the order they were queued.
            group.addTask {
                for await item in subscriber.items {
                    switch item {
                    case .text(let text):
                        try await outbound.write(.text(text))
                        subscriber.written(item)
                    case .close(let code, let reason):
                        try await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                        return
                    }
                }
            }
            var connection = LobbyConnection(limits: limits)
            var pacer = edge.pacer(counting: fleet.counters)
            var failedLogins = 0
            // A frame the WebSocket stack refuses (invalid UTF-8, too big, a protocol error) ends the read with the
            // close code it calls for; rethrown after the clean-up so the client gets that code, not 1000.
            var readError: (any Error)?
            do {
                for try await message in inbound.messages(maxSize: limits.maxMessageBytes) {
                    try await pacer.pace()
                    let actions: [LobbyConnection.Action]
                    switch message {
                    case .text(let text): actions = connection.received(frame: Array(text.utf8))
                    case .binary:
                        actions = connection.received(
                            .failure(LobbyMessageError(.invalidJSON, "binary frames are not messages")))
                    }
                    // Draining: the close is on its way; what arrives meanwhile is not started.
                    if drain.isDraining { continue }
                    guard await busy.acquire() else { break }
                    let open = await perform(
                        actions, on: &connection, id: id, subscriber: subscriber, failedLogins: &failedLogins)
                    busy.release()
                    guard open else { break }
                }
            } catch {
                logger.debug("lobby websocket ended", metadata: ["error": "\(error)"])
                readError = error
            }
            hub.unsubscribe(id)
            subscriber.finish()
            try? await group.waitForAll()
            if let readError { throw readError }
        }
    }

    /// Carries out the connection's actions, feeding the results of its requests back in; false once the
    /// connection was closed for falling behind.
    private func perform(
        _ actions: [LobbyConnection.Action], on connection: inout LobbyConnection, id: UInt64,
        subscriber: LobbyHub.Subscriber, failedLogins: inout Int
    ) async -> Bool {
        var pending = actions
        while !pending.isEmpty {
            let action = pending.removeFirst()
            switch action {
            case .reply(let message):
                guard subscriber.send(.text(message.jsonText)) else { return false }
            case .verifyLogin(let username, let password):
                let checked: LobbyUserType??
                do {
                    checked = try await authenticator.authenticate(username: username, password: password)
                } catch {
                    checked = nil  // not checked (fleet silent, checks all taken): refused, not held against it
                }
                pending = connection.loginResult(checked ?? nil) + pending
                if case .some(.none) = checked {
                    failedLogins += 1
                    if failedLogins >= maxFailedLogins {
                        // Guessing passwords on one connection: answer this one, then close (counted).
                        for case .reply(let message) in pending { _ = subscriber.send(.text(message.jsonText)) }
                        fleet.counters.add(.loginConnectionClosed)
                        subscriber.finish(with: .close(1008, reason: "too many failed logins"))
                        return false
                    }
                }
            case .execute(let command):
                let result = await fleet.request(
                    product: .lobby, key: LobbyHub.key, body: command.encoded(), idempotent: false)
                let reply = (try? result.get()).flatMap { try? LobbyReply(decoding: $0) }
                pending = connection.commandResult(reply) + pending
            case .subscribe:
                await waitForList()
                hub.subscribe(id, subscriber)
                pending = connection.subscriptionStarted() + pending
            case .unsubscribe:
                hub.unsubscribe(id)
            }
        }
        return true
    }

    /// Waits, within `listTimeout`, until the hub holds the lobby's list (only just after the gateway starts).
    private func waitForList() async {
        let deadline = ContinuousClock.now + listTimeout
        while !hub.hasList, ContinuousClock.now < deadline {
            // Bounded by the deadline; the first snapshot arrives within one round trip once the fleet answers.
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
