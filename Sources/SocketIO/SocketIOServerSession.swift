package import JSON

/// An Engine.IO session with its Socket.IO connection on top: the one value a gateway keeps per client.
///
/// Every input goes to the Engine.IO session; the messages it delivers go through the Socket.IO connection, whose
/// replies (the CONNECT accept, acks, errors) go back into the session, all within the same call. The caller sees
/// only transport work (HTTP answers, WebSocket frames) and application events.
package struct SocketIOServerSession: Sendable {
    /// One thing the caller must do, in the order given.
    package enum Action: Sendable, Hashable {
        /// Answer the HTTP request passed to this very call.
        case respond(EngineIOHTTPResponse)
        /// Keep the GET passed to this call open until a ``releasePoll(_:)``.
        case holdPoll
        /// Answer the held GET.
        case releasePoll(EngineIOHTTPResponse)
        /// Write this frame on the named WebSocket.
        case sendFrame(EngineIOFrame, webSocket: Int)
        /// Close the named WebSocket with this code.
        case closeWebSocket(Int, code: UInt16)
        /// The client joined `/` as this socket id; the application may emit now (e.g. send the current state).
        case connected(socketID: String, auth: JSONObject?)
        /// The client emitted an event.
        case event(SocketIOEvent)
        /// The socket left `/`.
        case disconnected(SocketIODisconnectReason)
        /// The session is over: remove it from the session table.
        case closed(EngineIOCloseReason)
    }

    /// The Engine.IO layer.
    package private(set) var engine: EngineIOSession
    /// The Socket.IO layer.
    package private(set) var socket: SocketIOConnection

    /// Opens a session (see ``EngineIOSession/handshake(id:transport:configuration:at:)``); `random` makes socket
    /// ids.
    package static func handshake(
        id: String, transport: EngineIOSession.Handshake, engine: EngineIOConfiguration = .default,
        socket: SocketIOConfiguration = .default,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        at now: ContinuousClock.Instant
    ) -> (session: SocketIOServerSession, actions: [Action]) {
        let (engineSession, actions) = EngineIOSession.handshake(
            id: id, transport: transport, configuration: engine, at: now)
        var session = SocketIOServerSession(
            engine: engineSession, socket: SocketIOConnection(configuration: socket, random: random, at: now))
        return (session, session.pipe(actions, at: now))
    }

    /// The session id.
    package var id: String { engine.id }

    /// The WebSocket an event emitted now would go to as one frame and nothing else: set while the socket is
    /// connected to `/` and the session is on the WebSocket transport. A server broadcasting one event to many
    /// sessions may then write `4` followed by the event's packet there itself, encoded once for all of them; the
    /// session is left exactly as ``emit(encoded:at:)`` would have left it.
    package var eventWebSocket: Int? {
        guard case .connected = socket.state, case .webSocket(let webSocket) = engine.phase else { return nil }
        return webSocket
    }

    /// The earliest deadline of either layer: arm one timer for it and call ``tick(at:)``.
    package var nextDeadline: ContinuousClock.Instant? {
        switch (engine.nextDeadline, socket.nextDeadline) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b): b
        }
    }

    /// See ``EngineIOSession/handlePollGET(at:)``.
    package mutating func handlePollGET(at now: ContinuousClock.Instant) -> [Action] {
        pipe(engine.handlePollGET(at: now), at: now)
    }

    /// See ``EngineIOSession/handlePollPOST(body:contentType:at:)``.
    package mutating func handlePollPOST(
        body: [UInt8], contentType: String? = nil, at now: ContinuousClock.Instant
    ) -> [Action] {
        pipe(engine.handlePollPOST(body: body, contentType: contentType, at: now), at: now)
    }

    /// See ``EngineIOSession/webSocketOpened(_:at:)``.
    package mutating func webSocketOpened(_ webSocket: Int, at now: ContinuousClock.Instant) -> [Action] {
        pipe(engine.webSocketOpened(webSocket, at: now), at: now)
    }

    /// See ``EngineIOSession/webSocketFrame(_:from:at:)``.
    package mutating func webSocketFrame(
        _ frame: EngineIOFrame, from webSocket: Int, at now: ContinuousClock.Instant
    ) -> [Action] {
        pipe(engine.webSocketFrame(frame, from: webSocket, at: now), at: now)
    }

    /// See ``EngineIOSession/webSocketClosed(_:at:)``.
    package mutating func webSocketClosed(_ webSocket: Int, at now: ContinuousClock.Instant) -> [Action] {
        pipe(engine.webSocketClosed(webSocket, at: now), at: now)
    }

    /// Runs both layers' timers.
    package mutating func tick(at now: ContinuousClock.Instant) -> [Action] {
        let engineActions = pipe(engine.tick(at: now), at: now)
        return engineActions + apply(socket.tick(at: now), at: now)
    }

    /// See ``SocketIOConnection/emit(_:_:)``.
    package mutating func emit(_ name: String, _ arguments: [JSONValue], at now: ContinuousClock.Instant) -> [Action] {
        apply(socket.emit(name, arguments), at: now)
    }

    /// See ``SocketIOConnection/emit(encoded:)``.
    package mutating func emit(encoded text: String, at now: ContinuousClock.Instant) -> [Action] {
        apply(socket.emit(encoded: text), at: now)
    }

    /// See ``SocketIOConnection/acknowledge(_:with:)``.
    package mutating func acknowledge(
        _ id: Int, with arguments: [JSONValue], at now: ContinuousClock.Instant
    ) -> [Action] {
        apply(socket.acknowledge(id, with: arguments), at: now)
    }

    /// See ``SocketIOConnection/disconnect()``.
    package mutating func disconnect(at now: ContinuousClock.Instant) -> [Action] {
        apply(socket.disconnect(), at: now)
    }

    /// Closes the session from the server side (``EngineIOSession/close(at:)``).
    package mutating func close(at now: ContinuousClock.Instant) -> [Action] {
        pipe(engine.close(at: now), at: now)
    }

    /// Carries out the Engine.IO actions: deliveries go to the Socket.IO layer, the rest to the caller.
    private mutating func pipe(_ actions: [EngineIOSession.Action], at now: ContinuousClock.Instant) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .respond(let response): out.append(.respond(response))
            case .holdPoll: out.append(.holdPoll)
            case .releasePoll(let response): out.append(.releasePoll(response))
            case .sendFrame(let frame, let webSocket): out.append(.sendFrame(frame, webSocket: webSocket))
            case .closeWebSocket(let webSocket, let code): out.append(.closeWebSocket(webSocket, code: code))
            case .deliver(let message): out += apply(socket.receive(message, at: now), at: now)
            case .closed(let reason):
                out += apply(socket.transportClosed(), at: now)
                out.append(.closed(reason))
            }
        }
        return out
    }

    /// Carries out the Socket.IO actions: sends and closes go to the Engine.IO session, the rest to the caller.
    private mutating func apply(_ actions: [SocketIOConnection.Action], at now: ContinuousClock.Instant) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .send(let message): out += pipe(engine.send(message), at: now)
            case .closeTransport: out += pipe(engine.close(at: now), at: now)
            case .connected(let socketID, let auth): out.append(.connected(socketID: socketID, auth: auth))
            case .event(let event): out.append(.event(event))
            case .disconnected(let reason): out.append(.disconnected(reason))
            }
        }
        return out
    }
}
