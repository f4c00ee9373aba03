package import JSON

/// The Socket.IO v5 server side of one Engine.IO session: a pure state machine over the session's messages
/// (protocol reference §2, §3).
///
/// Only the default namespace `/` is served. A CONNECT to `/` is accepted with a new socket id (from the injected
/// random generator) before anything else is sent; a CONNECT to any other namespace is refused with
/// `4/<nsp>,{"message":"Invalid namespace"}` and the connection stays open. Anything else for a namespace the
/// client has not joined (events before CONNECT included) closes the Engine.IO session, as the JS server does.
/// Binary events are never delivered: the header and its attachments are discarded. The caller passes each
/// inbound ``EngineIOMessage`` to ``receive(_:at:)`` and carries out the returned ``Action``s.
package struct SocketIOConnection: Sendable {
    /// Where the connection is.
    package enum State: Sendable, Hashable {
        /// No namespace joined: waiting for `40`, which must come within the connect timeout the first time.
        case awaitingConnect
        /// Joined to `/` as this socket id: events flow both ways.
        case connected(socketID: String)
        /// The connection asked for the Engine.IO session to be closed, or it ended; nothing more happens.
        case closed
    }

    /// One thing the caller must do, in the order given.
    package enum Action: Sendable, Hashable {
        /// Send this message on the Engine.IO session (``EngineIOSession/send(_:)``).
        case send(EngineIOMessage)
        /// The client joined `/`: the application may emit from now on. `auth` is the CONNECT object, if any.
        case connected(socketID: String, auth: JSONObject?)
        /// The client emitted an event.
        case event(SocketIOEvent)
        /// The socket left `/`; after `invalidPacket` a ``closeTransport(_:)`` follows.
        case disconnected(SocketIODisconnectReason)
        /// Close the Engine.IO session from the server side (``EngineIOSession/close(at:)``).
        case closeTransport(SocketIOCloseReason)
    }

    /// The connection's settings.
    package let configuration: SocketIOConfiguration
    /// Where the connection is.
    package private(set) var state: State

    var connectDeadline: ContinuousClock.Instant?
    /// Binary messages still to drop after a BINARY_EVENT or BINARY_ACK header.
    var attachmentsToDiscard = 0
    /// Ack ids the application still owes an answer (only when acks are not automatic).
    var pendingAcks: Set<Int> = []
    var random: any RandomNumberGenerator & Sendable

    /// Creates the connection of a session opened at `now`; `random` makes socket ids.
    package init(
        configuration: SocketIOConfiguration = .default,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        at now: ContinuousClock.Instant
    ) {
        self.configuration = configuration
        self.random = random
        self.state = .awaitingConnect
        self.connectDeadline = now + configuration.connectTimeout
    }

    /// The socket id while connected.
    package var socketID: String? {
        if case .connected(let socketID) = state { return socketID }
        return nil
    }

    /// When ``tick(at:)`` must run next (the connect timeout), or nil.
    package var nextDeadline: ContinuousClock.Instant? { connectDeadline }

    /// Applies one inbound Engine.IO message.
    package mutating func receive(_ message: EngineIOMessage, at now: ContinuousClock.Instant) -> [Action] {
        if case .closed = state { return [] }
        switch message {
        case .binary:
            guard attachmentsToDiscard > 0 else { return fail(.unexpectedPacket) }
            attachmentsToDiscard -= 1
            return []
        case .text(let text):
            // A text packet in the middle of a binary packet's attachments: the JS decoder fails the same way.
            guard attachmentsToDiscard == 0 else { return fail(.unexpectedPacket) }
            let packet: SocketIOPacket
            do {
                packet = try SocketIOPacket(decoding: text)
            } catch {
                return fail(.invalidPacket)
            }
            return apply(packet)
        }
    }

    /// Emits an event to the client: `2["name",…arguments]`. Dropped unless connected, so the accept always
    /// precedes the first event.
    package mutating func emit(_ name: String, _ arguments: [JSONValue]) -> [Action] {
        emit(encoded: SocketIOPacket.event(name, arguments).encoded)
    }

    /// Emits an already encoded packet (``SocketIOPacket/encoded``), so that a broadcast is encoded once for all
    /// connections. Dropped unless connected.
    package mutating func emit(encoded text: String) -> [Action] {
        guard case .connected = state else { return [] }
        return [.send(.text(text))]
    }

    /// Answers the event that carried ack id `id` (only needed when acks are not automatic): `3<id>[…arguments]`.
    /// Ignored for an id that is not owed, so each event gets at most one ack.
    package mutating func acknowledge(_ id: Int, with arguments: [JSONValue]) -> [Action] {
        guard case .connected = state, pendingAcks.remove(id) != nil else { return [] }
        return [.send(.text(SocketIOPacket.ack(id, arguments).encoded))]
    }

    /// Makes the socket leave `/` (`1`): the JS client then reports "io server disconnect", does not reconnect,
    /// and closes Engine.IO itself.
    package mutating func disconnect() -> [Action] {
        guard case .connected = state else { return [] }
        state = .awaitingConnect
        pendingAcks.removeAll()
        return [.send(.text(SocketIOPacket.disconnect().encoded)), .disconnected(.serverDisconnect)]
    }

    /// The Engine.IO session ended.
    package mutating func transportClosed() -> [Action] {
        let wasConnected = socketID != nil
        close()
        return wasConnected ? [.disconnected(.transportClose)] : []
    }

    /// Runs the connect timeout if it is due.
    package mutating func tick(at now: ContinuousClock.Instant) -> [Action] {
        guard let connectDeadline, now >= connectDeadline else { return [] }
        return fail(.connectTimeout)
    }

    private mutating func apply(_ packet: SocketIOPacket) -> [Action] {
        guard packet.namespace == "/" else {
            if packet.type == .connect {
                // §3 MAY: JS's exact answer; the Engine.IO session stays open.
                return [
                    .send(.text(SocketIOPacket.connectError("Invalid namespace", namespace: packet.namespace).encoded))
                ]
            }
            return fail(.unexpectedPacket)
        }
        switch (packet.type, state) {
        case (.connect, .awaitingConnect):
            let socketID = SocketIOIdentifier.make(using: &random)
            state = .connected(socketID: socketID)
            connectDeadline = nil
            var auth: JSONObject?
            if case .object(let object)? = packet.payload { auth = object }
            return [
                .send(.text(SocketIOPacket.connectAccepted(socketID: socketID).encoded)),
                .connected(socketID: socketID, auth: auth),
            ]
        case (.event, .connected):
            guard let (name, arguments) = packet.eventNameAndArguments else { return fail(.invalidPacket) }
            var actions: [Action] = [.event(SocketIOEvent(name: name, arguments: arguments, ackID: packet.ackID))]
            if let id = packet.ackID {
                if configuration.acknowledgesAutomatically {
                    actions.append(.send(.text(SocketIOPacket.ack(id, []).encoded)))
                } else {
                    pendingAcks.insert(id)
                }
            }
            return actions
        case (.binaryEvent, .connected):
            attachmentsToDiscard = packet.attachments
            // The application never sees it, so it cannot answer: ack at once so the client does not wait.
            if let id = packet.ackID { return [.send(.text(SocketIOPacket.ack(id, []).encoded))] }
            return []
        case (.binaryAck, .connected):
            attachmentsToDiscard = packet.attachments
            return []
        case (.ack, .connected):
            // The server never asks for acks (§3 MAY), so every ACK names an unknown id: ignored.
            return []
        case (.disconnect, .connected):
            state = .awaitingConnect
            pendingAcks.removeAll()
            return [.disconnected(.clientDisconnect)]
        default:
            return fail(.unexpectedPacket)
        }
    }

    private mutating func close() {
        state = .closed
        connectDeadline = nil
        attachmentsToDiscard = 0
        pendingAcks.removeAll()
    }

    private mutating func fail(_ reason: SocketIOCloseReason) -> [Action] {
        let wasConnected = socketID != nil
        close()
        return (wasConnected ? [.disconnected(.invalidPacket)] : []) + [.closeTransport(reason)]
    }
}
