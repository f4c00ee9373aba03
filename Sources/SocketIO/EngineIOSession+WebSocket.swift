extension EngineIOSession {
    /// A WebSocket upgrade for this session was accepted (101) as socket `webSocket` (§1.9 step 1). On polling it
    /// becomes the probe and the upgrade timeout starts; otherwise (already upgrading or upgraded, closing) it is
    /// closed at once, as JS does.
    package mutating func webSocketOpened(_ webSocket: Int, at now: ContinuousClock.Instant) -> [Action] {
        guard case .polling = phase else { return [.closeWebSocket(webSocket, code: 1000)] }
        phase = .upgrading(probe: webSocket, probed: false, deadline: now + configuration.upgradeTimeout)
        return []
    }

    /// A frame arrived on socket `webSocket`. On the probe: `2probe` → `3probe` (its first frame) and a held GET is
    /// released with `6`; `5` → the session moves to the WebSocket and the queue is flushed as frames; anything else
    /// aborts the upgrade (the probe is closed, polling continues). On the session's WebSocket: packets are applied;
    /// a message over `maxPayload` or a bad packet closes the session. Frames from other sockets are ignored.
    package mutating func webSocketFrame(
        _ frame: EngineIOFrame, from webSocket: Int, at now: ContinuousClock.Instant
    ) -> [Action] {
        switch phase {
        case .upgrading(let probe, _, let deadline) where probe == webSocket:
            return probeFrame(frame, probe: probe, deadline: deadline)
        case .webSocket(let socket) where socket == webSocket:
            if frame.byteCount > configuration.maxPayload {
                return terminate(.messageTooLarge, webSocketCode: 1009)
            }
            let packet: EngineIOPacket
            do {
                packet = try EngineIOPacket(webSocketFrame: frame)
            } catch {
                return terminate(.parseError, webSocketCode: 1002)
            }
            var actions: [Action] = []
            if let reason = receive(packet, at: now, into: &actions) {
                return actions + terminate(reason, webSocketCode: reason == .clientClose ? 1000 : 1002)
            }
            return actions
        default:
            return []
        }
    }

    /// Socket `webSocket` closed or hit EOF. The session's WebSocket → the session closes ("transport close"); the
    /// probe → the upgrade is abandoned and polling continues; any other socket is ignored.
    package mutating func webSocketClosed(_ webSocket: Int, at now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .upgrading(let probe, _, _) where probe == webSocket:
            phase = .polling
            return []
        case .webSocket(let socket) where socket == webSocket:
            return terminate(.transportClose, webSocketCode: nil)
        default:
            return []
        }
    }

    private mutating func probeFrame(
        _ frame: EngineIOFrame, probe: Int, deadline: ContinuousClock.Instant
    ) -> [Action] {
        if frame.byteCount <= configuration.maxPayload {
            switch try? EngineIOPacket(webSocketFrame: frame) {
            case .ping("probe"):
                phase = .upgrading(probe: probe, probed: true, deadline: deadline)
                var actions: [Action] = [.sendFrame(.text(EngineIOPacket.pong("probe").text), webSocket: probe)]
                // The client sends `5` only once its GET is back (§1.9 step 4). A held GET implies an empty queue.
                if isPollHeld {
                    isPollHeld = false
                    actions.append(.releasePoll(.packets([.noop])))
                }
                return actions
            case .upgrade:
                phase = .webSocket(probe)
                var actions: [Action] = []
                if isPollHeld {
                    // Only a client that broke the protocol still polls here; give the old GET a harmless answer.
                    isPollHeld = false
                    actions.append(.releasePoll(.packets([.noop])))
                }
                for packet in queue {
                    actions.append(.sendFrame(packet.webSocketFrame, webSocket: probe))
                }
                queue.removeAll()
                return actions
            default:
                break
            }
        }
        // §1.9 step 6: anything else on the probe before `5` abandons the upgrade, not the session.
        phase = .polling
        return [.closeWebSocket(probe, code: frame.byteCount > configuration.maxPayload ? 1009 : 1002)]
    }
}
