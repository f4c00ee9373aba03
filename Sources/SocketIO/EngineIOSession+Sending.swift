extension EngineIOSession {
    /// Sends a message to the client: a frame at once on the WebSocket, otherwise queued (releasing a held GET).
    /// Dropped once the session is closing or closed. Queuing past `maxQueuedPackets` closes the session as a slow
    /// consumer.
    package mutating func send(_ message: EngineIOMessage) -> [Action] {
        emit(.message(message))
    }

    /// Sends several messages; on polling a held GET is released once, with all of them.
    package mutating func send(contentsOf messages: some Sequence<EngineIOMessage>) -> [Action] {
        var actions: [Action] = []
        for message in messages {
            actions += emit(.message(message), releasingPoll: false)
        }
        if isPollHeld, !queue.isEmpty { actions.append(releasePoll()) }
        return actions
    }

    /// Closes the session from the server side (JS `socket.close()`). On the WebSocket it is closed at once, without
    /// `1`, as JS does. On polling `1` is queued after anything pending: a held GET takes it now, otherwise the next
    /// GET does (state `closing`) or `closeTimeout` ends the session. A probe WebSocket is closed.
    package mutating func close(at now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .closed, .closing:
            return []
        case .webSocket:
            return terminate(.serverClose)
        case .polling, .upgrading:
            break
        }
        var actions: [Action] = []
        if case .upgrading(let probe, _, _) = phase {
            actions.append(.closeWebSocket(probe, code: 1000))
        }
        queue.append(.close)
        nextPingAt = nil
        pongDeadline = nil
        if isPollHeld {
            actions.append(releasePoll())
            phase = .closed
            actions.append(.closed(.serverClose))
        } else {
            phase = .closing(deadline: now + configuration.closeTimeout)
        }
        return actions
    }
}
