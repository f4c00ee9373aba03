/// One Engine.IO v4 session, server side: a pure state machine over both transports (protocol reference §1).
///
/// The caller owns the I/O. It feeds in what happened (a GET, a POST body, a WebSocket frame, a timer) with the
/// current time and carries out the returned ``Action``s in order. Nothing here reads a clock: after every call the
/// caller arms one timer for ``nextDeadline`` and calls ``tick(at:)`` when it fires.
///
/// Life cycle: `polling` → (a WebSocket opens) `upgrading` → (`5`) `webSocket`, or `webSocket` from the start for
/// WebSocket-only clients; any state → `closed`. A server-initiated close on polling passes through `closing` until
/// the final `1` has been collected by a GET. There is one outbound FIFO, shared by both transports, and at most one
/// held GET. WebSockets are named by caller-chosen integers so a late event from a socket the session already let go
/// of is recognised and ignored.
package struct EngineIOSession: Sendable {
    /// The public view of where the session is in its life cycle.
    package enum State: Sendable, Hashable {
        /// On HTTP long-polling.
        case polling
        /// On polling, with a probe WebSocket open that has not sent `5` yet.
        case upgrading
        /// On its WebSocket; polling requests are refused.
        case webSocket
        /// The server closed it on polling; the next GET collects the remaining packets and `1`.
        case closing
        /// Over: every request for it is answered "Session ID unknown".
        case closed
    }

    /// How the handshake arrived.
    package enum Handshake: Sendable, Hashable {
        /// A polling GET: answered with the open packet, `upgrades: ["websocket"]`.
        case polling
        /// A WebSocket without `sid` (already accepted with 101), named by the caller: the open packet, with
        /// `upgrades: []`, is its first frame.
        case webSocket(Int)
    }

    enum Phase: Sendable, Hashable {
        case polling
        /// `probed` once `2probe` was answered; `deadline` is the upgrade timeout.
        case upgrading(probe: Int, probed: Bool, deadline: ContinuousClock.Instant)
        case webSocket(Int)
        case closing(deadline: ContinuousClock.Instant)
        case closed
    }

    /// The session id (`sid`): 20 URL-safe characters, see ``SocketIOIdentifier``.
    package let id: String
    /// The session's settings.
    package let configuration: EngineIOConfiguration

    var phase: Phase
    /// Outbound packets not yet written: only non-empty on polling (between GETs) or while upgrading.
    var queue: [EngineIOPacket] = []
    /// Whether a GET is waiting for packets; it is answered by a `releasePoll` action.
    var isPollHeld = false
    /// When to send the next ping; nil while a ping waits for its pong.
    var nextPingAt: ContinuousClock.Instant?
    /// When an unanswered ping times out; nil when no ping is outstanding.
    var pongDeadline: ContinuousClock.Instant?

    private init(id: String, configuration: EngineIOConfiguration, phase: Phase, at now: ContinuousClock.Instant) {
        self.id = id
        self.configuration = configuration
        self.phase = phase
        self.nextPingAt = now + configuration.pingInterval
    }

    /// Opens a session: for polling the actions answer the handshake GET with the open packet; for a WebSocket they
    /// send it as the first frame. The first ping is due `pingInterval` after `now`.
    package static func handshake(
        id: String, transport: Handshake, configuration: EngineIOConfiguration = .default,
        at now: ContinuousClock.Instant
    ) -> (session: EngineIOSession, actions: [Action]) {
        switch transport {
        case .polling:
            let session = EngineIOSession(id: id, configuration: configuration, phase: .polling, at: now)
            let open = EngineIOPacket.handshake(sessionID: id, upgrades: ["websocket"], configuration: configuration)
            return (session, [.respond(.packets([open]))])
        case .webSocket(let socket):
            let session = EngineIOSession(id: id, configuration: configuration, phase: .webSocket(socket), at: now)
            let open = EngineIOPacket.handshake(sessionID: id, upgrades: [], configuration: configuration)
            return (session, [.sendFrame(open.webSocketFrame, webSocket: socket)])
        }
    }

    /// Where the session is in its life cycle.
    package var state: State {
        switch phase {
        case .polling: .polling
        case .upgrading: .upgrading
        case .webSocket: .webSocket
        case .closing: .closing
        case .closed: .closed
        }
    }

    /// The transport requests must use (polling until the upgrade completes), or nil once closed: the lookup
    /// ``EngineIORequest/route(sessionTransport:allowHandshake:)`` needs.
    package var transport: EngineIOTransport? {
        switch phase {
        case .polling, .upgrading, .closing: .polling
        case .webSocket: .websocket
        case .closed: nil
        }
    }

    /// The earliest time ``tick(at:)`` has something to do (ping, ping timeout, upgrade timeout, close timeout), or
    /// nil once closed. Re-read it after every call: any input may move it.
    package var nextDeadline: ContinuousClock.Instant? {
        let heartbeat = pongDeadline ?? nextPingAt
        switch phase {
        case .closed: return nil
        case .closing(let deadline): return deadline
        case .upgrading(_, _, let deadline): return heartbeat.map { min($0, deadline) } ?? deadline
        case .polling, .webSocket: return heartbeat
        }
    }

    /// How many outbound packets wait for a GET (or for the end of an upgrade).
    package var queuedPacketCount: Int { queue.count }

    /// Answers the held GET with everything queued.
    mutating func releasePoll() -> Action {
        isPollHeld = false
        let response = EngineIOHTTPResponse.packets(queue)
        queue.removeAll(keepingCapacity: true)
        return .releasePoll(response)
    }

    /// Queues `packet` for the client, or writes it at once on the WebSocket; closes the session as a slow
    /// consumer when the queue is full. A held GET is answered unless `releasingPoll` is false (batching).
    mutating func emit(_ packet: EngineIOPacket, releasingPoll: Bool = true) -> [Action] {
        switch phase {
        case .webSocket(let socket):
            return [.sendFrame(packet.webSocketFrame, webSocket: socket)]
        case .polling, .upgrading:
            if queue.count >= configuration.maxQueuedPackets { return terminate(.slowConsumer) }
            queue.append(packet)
            return isPollHeld && releasingPoll ? [releasePoll()] : []
        case .closing, .closed:
            return []
        }
    }

    /// Applies one packet that arrived on the session's own transport (a POST, or its WebSocket). Returns the
    /// reason to close the session, if the packet calls for it.
    mutating func receive(
        _ packet: EngineIOPacket, at now: ContinuousClock.Instant, into actions: inout [Action]
    ) -> EngineIOCloseReason? {
        switch packet {
        case .message(let message):
            actions.append(.deliver(message))
        case .pong:
            // A pong nobody asked for changes nothing; otherwise the next ping is due an interval from now (§1.8).
            if pongDeadline != nil {
                pongDeadline = nil
                nextPingAt = now + configuration.pingInterval
            }
        case .close:
            return .clientClose
        case .ping:
            return .invalidHeartbeatDirection
        case .open, .upgrade, .noop:
            // Meaningless from a client on its current transport; the reference server ignores them too.
            break
        }
        return nil
    }

    /// Ends the session at once. A held GET is released with `pollRelease` (`1`, or `6` when the client itself
    /// closed); the session's WebSocket is closed with `webSocketCode` (nil when it is already gone) and a probe
    /// WebSocket with 1000. Queued packets are dropped.
    mutating func terminate(
        _ reason: EngineIOCloseReason, pollRelease: EngineIOPacket = .close, webSocketCode: UInt16? = 1000
    ) -> [Action] {
        var actions: [Action] = []
        if isPollHeld {
            isPollHeld = false
            actions.append(.releasePoll(.packets([pollRelease])))
        }
        switch phase {
        case .upgrading(let probe, _, _):
            actions.append(.closeWebSocket(probe, code: 1000))
        case .webSocket(let socket):
            if let webSocketCode { actions.append(.closeWebSocket(socket, code: webSocketCode)) }
        case .polling, .closing, .closed:
            break
        }
        phase = .closed
        queue.removeAll()
        nextPingAt = nil
        pongDeadline = nil
        actions.append(.closed(reason))
        return actions
    }
}
