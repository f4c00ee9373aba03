extension EngineIOSession {
    /// Runs whatever is due at `now`: the upgrade timeout (the probe is closed, polling continues), the ping timeout
    /// (the session closes; a held GET gets `1`), the next ping (queued like any packet, so during an upgrade it goes
    /// out on polling), and the end of a server close on polling. Calling it early or twice is harmless.
    package mutating func tick(at now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .closed:
            return []
        case .closing(let deadline):
            guard now >= deadline else { return [] }
            phase = .closed
            queue.removeAll()
            return [.closed(.serverClose)]
        case .polling, .upgrading, .webSocket:
            break
        }
        var actions: [Action] = []
        if case .upgrading(let probe, _, let deadline) = phase, now >= deadline {
            phase = .polling
            actions.append(.closeWebSocket(probe, code: 1000))
        }
        if let pongDeadline, now >= pongDeadline {
            return actions + terminate(.pingTimeout)
        }
        if let nextPingAt, now >= nextPingAt {
            self.nextPingAt = nil
            pongDeadline = now + configuration.pingTimeout
            actions += emit(.ping(""))
        }
        return actions
    }
}
