import JSON
import SocketIO
import Testing

/// The complete sessions of protocol reference §4, step by step, asserting the bytes the caller puts on the wire.
/// `E` and `S` are the reference's ids; the socket id comes from a scripted generator.
@Suite struct GoldenSessionTests {
    static let e = "lv_VI97HAXpY6yYWAAAC"
    static let s = "wZX3oN0bSVIhsaknAAAI"
    static let openPolling =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    static let openWebSocket =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    static let accept = #"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#

    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    func open(
        _ transport: EngineIOSession.Handshake, acks: Bool = false
    ) -> (SocketIOServerSession, [SocketIOServerSession.Action]) {
        SocketIOServerSession.handshake(
            id: Self.e, transport: transport, socket: SocketIOConfiguration(acknowledgesAutomatically: acks),
            random: ScriptedRandom(ids: [Self.s]), at: t0)
    }

    static func object(_ pairs: (String, JSONValue)...) -> JSONValue { .object(JSONObject(pairs)) }

    /// A broadcast may bypass the session (`eventWebSocket`) exactly when an emit would be one frame on that
    /// WebSocket: connected to `/` and on the WebSocket transport, not while polling, upgrading or after leaving.
    @Test func eventWebSocketIsSetOnlyWhereAnEmitIsOneFrameOnIt() {
        var (session, _) = open(.polling)
        _ = session.handlePollPOST(body: body("40"), contentType: nil, at: at(0.01))
        #expect(session.eventWebSocket == nil)
        _ = session.webSocketOpened(1, at: at(0.02))
        _ = session.webSocketFrame(.text("2probe"), from: 1, at: at(0.03))
        #expect(session.eventWebSocket == nil)
        _ = session.webSocketFrame(.text("5"), from: 1, at: at(0.04))
        #expect(session.eventWebSocket == 1)
        #expect(session.emit(encoded: #"2["x"]"#, at: at(0.05)) == [.sendFrame(.text(#"42["x"]"#), webSocket: 1)])
        _ = session.webSocketFrame(.text("41"), from: 1, at: at(0.06))
        #expect(session.eventWebSocket == nil)

        var (direct, _) = open(.webSocket(7))
        #expect(direct.eventWebSocket == nil)
        _ = direct.webSocketFrame(.text("40"), from: 7, at: at(0.01))
        #expect(direct.eventWebSocket == 7)
    }

    /// §4.1: socket.io-client 4.x with default options (polling, then upgrade to WebSocket 1).
    @Test func javaScriptClientWithDefaultOptions() {
        // 1. Handshake GET.
        var (session, actions) = open(.polling)
        #expect(actions == [.respond(poll(Self.openPolling))])
        // 3. The first GET arrives before the CONNECT is processed: held.
        #expect(session.handlePollGET(at: at(0.01)) == [.holdPoll])
        // 2. POST `40` → `ok`; the GET gets the accept.
        #expect(
            session.handlePollPOST(body: body("40"), contentType: "text/plain;charset=UTF-8", at: at(0.02)) == [
                .releasePoll(poll(Self.accept)), .connected(socketID: Self.s, auth: nil), .respond(.ok),
            ])
        // 4. The next GET is held.
        #expect(session.handlePollGET(at: at(0.03)) == [.holdPoll])
        // 5. The WebSocket probe is accepted (101).
        #expect(session.webSocketOpened(1, at: at(0.04)) == [])
        // 6–7. `2probe` → `3probe`; GET #4 released with `6`.
        #expect(
            session.webSocketFrame(.text("2probe"), from: 1, at: at(0.05)) == [
                .sendFrame(.text("3probe"), webSocket: 1), .releasePoll(poll("6")),
            ])
        // 8. `5`: nothing to flush; the session is on the WebSocket.
        #expect(session.webSocketFrame(.text("5"), from: 1, at: at(0.06)) == [])
        #expect(session.engine.state == .webSocket)
        // 9. An event.
        #expect(
            session.webSocketFrame(.text(#"42["chat",{"text":"hi"}]"#), from: 1, at: at(1)) == [
                .event(SocketIOEvent(name: "chat", arguments: [Self.object(("text", .string("hi")))]))
            ])
        // 10. A server emit.
        #expect(
            session.emit("news", [Self.object(("n", .number(1)))], at: at(2)) == [
                .sendFrame(.text(#"42["news",{"n":1}]"#), webSocket: 1)
            ])
        // 11. emitWithAck: the application echoes.
        #expect(
            session.webSocketFrame(.text(#"420["echo","x"]"#), from: 1, at: at(3)) == [
                .event(SocketIOEvent(name: "echo", arguments: [.string("x")], ackID: 0))
            ])
        #expect(
            session.acknowledge(0, with: [.string("x")], at: at(3)) == [.sendFrame(.text(#"430["x"]"#), webSocket: 1)])
        // 12. The ping 25 s after the open, and the pong.
        #expect(session.nextDeadline == at(25))
        #expect(session.tick(at: at(25)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.webSocketFrame(.text("3"), from: 1, at: at(26)) == [])
        #expect(session.nextDeadline == at(51))
        // 13. `socket.disconnect()`: `41`, then a close frame.
        #expect(session.webSocketFrame(.text("41"), from: 1, at: at(30)) == [.disconnected(.clientDisconnect)])
        #expect(session.webSocketClosed(1, at: at(30)) == [.closed(.transportClose)])
        #expect(session.handlePollGET(at: at(31)) == [.respond(refusal(.sessionIDUnknown))])
        #expect(
            session.handlePollGET(at: at(31)).first
                == .respond(
                    EngineIOHTTPResponse(
                        status: 400, contentType: "application/json",
                        body: #"{"code":1,"message":"Session ID unknown"}"#)))
    }

    /// §4.1, "still polling": a ping releases a held GET, the pong comes by POST; POSTs batch packets.
    @Test func javaScriptClientStillPolling() {
        var (session, _) = open(.polling, acks: true)
        _ = session.handlePollPOST(body: body("40"), at: at(0.1))
        #expect(session.handlePollGET(at: at(0.2)) == [.respond(poll(Self.accept))])
        #expect(session.handlePollGET(at: at(0.3)) == [.holdPoll])
        #expect(session.tick(at: at(25)) == [.releasePoll(poll("2"))])
        #expect(session.handlePollPOST(body: body("3"), at: at(25.1)) == [.respond(.ok)])
        #expect(
            session.handlePollPOST(body: body("42[\"hello\"]\u{1e}42[\"world\"]"), at: at(26)) == [
                .event(SocketIOEvent(name: "hello", arguments: [])),
                .event(SocketIOEvent(name: "world", arguments: [])),
                .respond(.ok),
            ])
        // With automatic acks, an ack request is answered `43<id>[]` through the next GET.
        #expect(session.handlePollGET(at: at(27)) == [.holdPoll])
        #expect(
            session.handlePollPOST(body: body(#"420["echo","x"]"#), at: at(27.1)) == [
                .event(SocketIOEvent(name: "echo", arguments: [.string("x")], ackID: 0)), .releasePoll(poll("430[]")),
                .respond(.ok),
            ])
    }

    /// §4.2: python-socketio Client with default transports (polling handshake, then an immediate upgrade).
    @Test func pythonClientWithDefaultTransports() {
        // 1. Handshake.
        var (session, actions) = open(.polling)
        #expect(actions == [.respond(poll(Self.openPolling))])
        // 2–3. WebSocket with sid, probe.
        #expect(session.webSocketOpened(1, at: at(0.01)) == [])
        #expect(
            session.webSocketFrame(.text("2probe"), from: 1, at: at(0.02)) == [
                .sendFrame(.text("3probe"), webSocket: 1)
            ])
        // 4. `5`, then `40{}` over the WebSocket → the accept (no stray `6`: nothing was queued).
        #expect(session.webSocketFrame(.text("5"), from: 1, at: at(0.03)) == [])
        #expect(
            session.webSocketFrame(.text("40{}"), from: 1, at: at(0.04)) == [
                .sendFrame(.text(Self.accept), webSocket: 1), .connected(socketID: Self.s, auth: JSONObject()),
            ])
        // 5. An event, then one with ack id 1 answered with the handler's value.
        #expect(
            session.webSocketFrame(.text(#"42["chat",{"text":"hi"}]"#), from: 1, at: at(1)) == [
                .event(SocketIOEvent(name: "chat", arguments: [Self.object(("text", .string("hi")))]))
            ])
        #expect(
            session.webSocketFrame(.text(#"421["chat","x"]"#), from: 1, at: at(1)) == [
                .event(SocketIOEvent(name: "chat", arguments: [.string("x")], ackID: 1))
            ])
        #expect(
            session.acknowledge(1, with: [.string("got it")], at: at(1)) == [
                .sendFrame(.text(#"431["got it"]"#), webSocket: 1)
            ])
        // 6. Heartbeat.
        #expect(session.tick(at: at(25)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.webSocketFrame(.text("3"), from: 1, at: at(25)) == [])
        // 7. `sio.disconnect()`: the close frame may come before `41` and `1`; frames after it are ignored.
        #expect(session.webSocketClosed(1, at: at(30)) == [.disconnected(.transportClose), .closed(.transportClose)])
        #expect(session.webSocketFrame(.text("41"), from: 1, at: at(30)) == [])
        #expect(session.webSocketFrame(.text("1"), from: 1, at: at(30)) == [])
    }

    /// §4.2, the other arrival order of the close: `41`, `1`, then the close frame.
    @Test func pythonClientClosingInOrder() {
        var (session, _) = open(.webSocket(1))
        _ = session.webSocketFrame(.text("40{}"), from: 1, at: at(0.1))
        #expect(session.webSocketFrame(.text("41"), from: 1, at: at(1)) == [.disconnected(.clientDisconnect)])
        #expect(
            session.webSocketFrame(.text("1"), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1000), .closed(.clientClose),
            ])
        #expect(session.webSocketClosed(1, at: at(1)) == [])
    }

    /// §4.2 with `transports=['polling']`. The accept precedes the application's first emit (the Python server,
    /// which sends the accept after its connect handler, has them the other way round).
    @Test func pythonClientPollingOnly() {
        var (session, _) = open(.polling)
        // POST `40{}` → `ok`; no GET is held, so the accept waits in the queue.
        #expect(
            session.handlePollPOST(body: body("40{}"), contentType: "text/plain", at: at(0.1)) == [
                .connected(socketID: Self.s, auth: JSONObject()), .respond(.ok),
            ])
        // The application greets the new client.
        #expect(session.emit("welcome", [Self.object(("hello", .string("world")))], at: at(0.1)) == [])
        #expect(
            session.handlePollGET(at: at(0.2)) == [
                .respond(poll(Self.accept + "\u{1e}" + #"42["welcome",{"hello":"world"}]"#))
            ])
        // POST two events, the second asking for an ack.
        #expect(
            session.handlePollPOST(body: body("42[\"chat\",{\"text\":\"hi\"}]\u{1e}421[\"chat\",\"x\"]"), at: at(1))
                == [
                    .event(SocketIOEvent(name: "chat", arguments: [Self.object(("text", .string("hi")))])),
                    .event(SocketIOEvent(name: "chat", arguments: [.string("x")], ackID: 1)),
                    .respond(.ok),
                ])
        #expect(session.acknowledge(1, with: [.string("got it")], at: at(1)) == [])
        #expect(session.handlePollGET(at: at(1.1)) == [.respond(poll(#"431["got it"]"#))])
        // Heartbeat over polling.
        #expect(session.handlePollGET(at: at(1.2)) == [.holdPoll])
        #expect(session.tick(at: at(25)) == [.releasePoll(poll("2"))])
        #expect(session.handlePollPOST(body: body("3"), at: at(25.1)) == [.respond(.ok)])
        // Close: POST `41\x1e1`; the held GET is released (with `6`, as JS; Python sends an empty 200).
        #expect(session.handlePollGET(at: at(25.2)) == [.holdPoll])
        #expect(
            session.handlePollPOST(body: body("41\u{1e}1"), at: at(30)) == [
                .disconnected(.clientDisconnect), .respond(.ok), .releasePoll(poll("6")), .closed(.clientClose),
            ])
    }

    /// §4.3: python-socketio Client with `transports=['websocket']`.
    @Test func pythonClientWebSocketOnly() {
        // 1. The open packet is the first frame, `upgrades: []`.
        var (session, actions) = open(.webSocket(1))
        #expect(actions == [.sendFrame(.text(Self.openWebSocket), webSocket: 1)])
        // 2. CONNECT.
        #expect(
            session.webSocketFrame(.text("40{}"), from: 1, at: at(0.01)) == [
                .sendFrame(.text(Self.accept), webSocket: 1), .connected(socketID: Self.s, auth: JSONObject()),
            ])
        // 3. Events and an ack.
        #expect(
            session.webSocketFrame(.text(#"42["chat",{"text":"hi"}]"#), from: 1, at: at(1)) == [
                .event(SocketIOEvent(name: "chat", arguments: [Self.object(("text", .string("hi")))]))
            ])
        _ = session.webSocketFrame(.text(#"421["chat","x"]"#), from: 1, at: at(1))
        #expect(
            session.acknowledge(1, with: [.string("got it")], at: at(1)) == [
                .sendFrame(.text(#"431["got it"]"#), webSocket: 1)
            ])
        #expect(session.tick(at: at(25)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.webSocketFrame(.text("3"), from: 1, at: at(26)) == [])
    }

    /// An invalid Socket.IO packet closes the whole connection; on polling the client gets `1` with its next GET.
    @Test func anInvalidPacketClosesTheConnection() {
        var (session, _) = open(.polling, acks: true)
        _ = session.handlePollPOST(body: body("40"), at: at(0.1))
        #expect(
            session.handlePollPOST(body: body("42{}"), at: at(1)) == [
                .disconnected(.invalidPacket), .respond(.ok),
            ])
        #expect(session.engine.state == .closing)
        #expect(session.handlePollGET(at: at(2)) == [.respond(poll(Self.accept + "\u{1e}1")), .closed(.serverClose)])
        var webSocketSession = open(.webSocket(1)).0
        #expect(
            webSocketSession.webSocketFrame(.text("4abc"), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1000), .closed(.serverClose),
            ])
    }

    /// Protocol test suite: `40/random` gets `44/random,{"message":"Invalid namespace"}` and Engine.IO stays open.
    @Test func anUnknownNamespaceIsRefused() {
        var (session, _) = open(.webSocket(1))
        #expect(
            session.webSocketFrame(.text("40/random"), from: 1, at: at(1)) == [
                .sendFrame(.text(#"44/random,{"message":"Invalid namespace"}"#), webSocket: 1)
            ])
        #expect(session.engine.state == .webSocket)
    }

    /// No CONNECT within 45 s closes the connection.
    @Test func closesAClientThatNeverConnects() {
        var (session, _) = open(.webSocket(1))
        #expect(session.nextDeadline == at(25))
        _ = session.tick(at: at(25))
        _ = session.webSocketFrame(.text("3"), from: 1, at: at(25))
        #expect(session.nextDeadline == at(45))
        #expect(session.tick(at: at(45)) == [.closeWebSocket(1, code: 1000), .closed(.serverClose)])
        #expect(session.nextDeadline == nil)
    }

    /// The server may make the client leave, then close the session itself.
    @Test func serverDisconnectThenClose() {
        var (session, _) = open(.polling)
        _ = session.handlePollPOST(body: body("40"), at: at(0.1))
        #expect(session.disconnect(at: at(1)) == [.disconnected(.serverDisconnect)])
        #expect(session.close(at: at(1)) == [])
        #expect(
            session.handlePollGET(at: at(2)) == [
                .respond(poll(Self.accept + "\u{1e}41\u{1e}1")), .closed(.serverClose),
            ])
    }
}
