import SocketIO
import Testing

/// A GET answer with this body.
func poll(_ body: String) -> EngineIOHTTPResponse {
    EngineIOHTTPResponse(status: 200, contentType: "text/plain; charset=UTF-8", body: body)
}

/// The JSON refusal with JS code `code`.
func refusal(_ code: EngineIORequestError.Code) -> EngineIOHTTPResponse { EngineIORequestError(code).response }

/// A POST body.
func body(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct EngineIOSessionTests {
    static let sid = "lv_VI97HAXpY6yYWAAAC"
    static let openPolling =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    static let openWebSocket =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#

    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    func polling(_ configuration: EngineIOConfiguration = .default) -> EngineIOSession {
        EngineIOSession.handshake(id: Self.sid, transport: .polling, configuration: configuration, at: t0).session
    }

    func webSocket(_ configuration: EngineIOConfiguration = .default) -> EngineIOSession {
        EngineIOSession.handshake(id: Self.sid, transport: .webSocket(1), configuration: configuration, at: t0).session
    }

    /// A polling session whose probe WebSocket 7 has answered `2probe`.
    func probed() -> EngineIOSession {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(1))
        _ = session.webSocketFrame(.text("2probe"), from: 7, at: at(1))
        return session
    }

    // MARK: Handshake

    @Test func pollingHandshakeAnswersWithTheOpenPacket() {
        let (session, actions) = EngineIOSession.handshake(id: Self.sid, transport: .polling, at: t0)
        #expect(actions == [.respond(poll(Self.openPolling))])
        #expect(session.state == .polling)
        #expect(session.transport == .polling)
        #expect(session.nextDeadline == at(25))
    }

    @Test func webSocketHandshakeSendsTheOpenPacketAsFirstFrame() {
        let (session, actions) = EngineIOSession.handshake(id: Self.sid, transport: .webSocket(1), at: t0)
        #expect(actions == [.sendFrame(.text(Self.openWebSocket), webSocket: 1)])
        #expect(session.state == .webSocket)
        #expect(session.transport == .websocket)
    }

    // MARK: Long-polling

    @Test func holdsAnIdleGETUntilSomethingIsQueued() {
        var session = polling()
        #expect(session.handlePollGET(at: at(1)) == [.holdPoll])
        #expect(session.send(.text(#"2["a"]"#)) == [.releasePoll(poll(#"42["a"]"#))])
        // Nothing held now: packets wait for the next GET and go out together.
        #expect(session.send(.text(#"2["b"]"#)) == [])
        #expect(session.send(.binary([1, 2, 3, 4])) == [])
        #expect(session.queuedPacketCount == 2)
        #expect(session.handlePollGET(at: at(2)) == [.respond(poll("42[\"b\"]\u{1e}bAQIDBA=="))])
        #expect(session.queuedPacketCount == 0)
    }

    @Test func sendsABatchInOneRelease() {
        var session = polling()
        _ = session.handlePollGET(at: at(1))
        let actions = session.send(contentsOf: [.text(#"2["a"]"#), .text(#"2["b"]"#)])
        #expect(actions == [.releasePoll(poll("42[\"a\"]\u{1e}42[\"b\"]"))])
        #expect(session.send(contentsOf: []) == [])
    }

    @Test func deliversPostedPacketsInOrder() {
        var session = polling()
        let actions = session.handlePollPOST(body: body("42[\"hello\"]\u{1e}42[\"world\"]\u{1e}bAQIDBA=="), at: at(1))
        #expect(
            actions == [
                .deliver(.text(#"2["hello"]"#)), .deliver(.text(#"2["world"]"#)), .deliver(.binary([1, 2, 3, 4])),
                .respond(.ok),
            ])
        #expect(session.handlePollPOST(body: [], at: at(2)) == [.respond(.ok)])
        // Packets a client has no business sending are ignored, as JS does.
        #expect(session.handlePollPOST(body: body("6\u{1e}5\u{1e}0{}"), at: at(3)) == [.respond(.ok)])
        #expect(session.state == .polling)
    }

    // MARK: Heartbeat

    @Test func pingsEveryIntervalAfterEachPong() {
        var session = polling()
        #expect(session.tick(at: at(24.9)) == [])
        #expect(session.handlePollGET(at: at(20)) == [.holdPoll])
        #expect(session.tick(at: at(25)) == [.releasePoll(poll("2"))])
        // Waiting for the pong: the deadline is the ping timeout.
        #expect(session.nextDeadline == at(45))
        #expect(session.tick(at: at(30)) == [])
        #expect(session.handlePollPOST(body: body("3"), at: at(26)) == [.respond(.ok)])
        #expect(session.nextDeadline == at(51))
        #expect(session.tick(at: at(51)) == [])
        #expect(session.queuedPacketCount == 1)
        #expect(session.handlePollGET(at: at(52)) == [.respond(poll("2"))])
    }

    @Test func ignoresAPongNobodyAskedFor() {
        var session = polling()
        #expect(session.handlePollPOST(body: body("3"), at: at(10)) == [.respond(.ok)])
        #expect(session.nextDeadline == at(25))
    }

    @Test func closesAfterAnUnansweredPingOnPolling() {
        var session = polling()
        _ = session.tick(at: at(25))
        #expect(session.handlePollGET(at: at(26)) == [.respond(poll("2"))])
        #expect(session.handlePollGET(at: at(27)) == [.holdPoll])
        #expect(session.tick(at: at(44.9)) == [])
        // JS releases the held GET with `1`.
        #expect(session.tick(at: at(45)) == [.releasePoll(poll("1")), .closed(.pingTimeout)])
        #expect(session.state == .closed)
        #expect(session.nextDeadline == nil)
        #expect(session.handlePollGET(at: at(46)) == [.respond(refusal(.sessionIDUnknown))])
        #expect(session.handlePollPOST(body: body("3"), at: at(46)) == [.respond(refusal(.sessionIDUnknown))])
    }

    @Test func pingsAndTimesOutOnAWebSocket() {
        var session = webSocket()
        #expect(session.tick(at: at(25)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.webSocketFrame(.text("3"), from: 1, at: at(30)) == [])
        #expect(session.nextDeadline == at(55))
        #expect(session.tick(at: at(55)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.tick(at: at(75)) == [.closeWebSocket(1, code: 1000), .closed(.pingTimeout)])
    }

    @Test func aLateTickPingsFromWhenItRuns() {
        var session = webSocket()
        #expect(session.tick(at: at(40)) == [.sendFrame(.text("2"), webSocket: 1)])
        #expect(session.nextDeadline == at(60))
    }

    // MARK: Upgrade (§1.9)

    @Test func upgradesExactlyAsTheReferenceOrders() {
        var session = polling()
        #expect(session.handlePollGET(at: at(1)) == [.holdPoll])
        // 1. The upgrade request was accepted as socket 7: it becomes the probe.
        #expect(session.webSocketOpened(7, at: at(1)) == [])
        #expect(session.state == .upgrading)
        #expect(session.transport == .polling)
        #expect(session.nextDeadline == at(11))
        // 2–4. `3probe` is the probe's first frame; the held GET is released with `6`.
        #expect(
            session.webSocketFrame(.text("2probe"), from: 7, at: at(1.1)) == [
                .sendFrame(.text("3probe"), webSocket: 7), .releasePoll(poll("6")),
            ])
        // Server packets created now wait for the WebSocket: nothing goes on the probe before `5`.
        #expect(session.send(.text(#"2["news",{"n":1}]"#)) == [])
        // 5. The switch flushes the queue as frames, in order.
        #expect(
            session.webSocketFrame(.text("5"), from: 7, at: at(1.2)) == [
                .sendFrame(.text(#"42["news",{"n":1}]"#), webSocket: 7)
            ])
        #expect(session.state == .webSocket)
        #expect(session.transport == .websocket)
        #expect(session.nextDeadline == at(25))
        // From now on polling is refused and sends are frames.
        #expect(session.handlePollGET(at: at(2)) == [.respond(refusal(.badRequest))])
        #expect(session.handlePollPOST(body: body("3"), at: at(2)) == [.respond(refusal(.badRequest))])
        #expect(session.send(.text("2[\"x\"]")) == [.sendFrame(.text("42[\"x\"]"), webSocket: 7)])
        #expect(session.send(.binary([1])) == [.sendFrame(.binary([1]), webSocket: 7)])
        #expect(session.webSocketFrame(.text(#"42["hi"]"#), from: 7, at: at(3)) == [.deliver(.text(#"2["hi"]"#))])
        #expect(session.webSocketFrame(.binary([5]), from: 7, at: at(3)) == [.deliver(.binary([5]))])
    }

    @Test func answersAGETMidUpgradeWithNoopOrWithQueuedPackets() {
        var session = probed()
        #expect(session.handlePollGET(at: at(2)) == [.respond(poll("6"))])
        _ = session.send(.text("2[\"a\"]"))
        #expect(session.handlePollGET(at: at(2)) == [.respond(poll("42[\"a\"]"))])
        // POSTs still work until `5`.
        #expect(
            session.handlePollPOST(body: body("42[\"b\"]"), at: at(2)) == [.deliver(.text("2[\"b\"]")), .respond(.ok)])
    }

    @Test func holdsAGETBeforeTheProbeArrives() {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(1))
        #expect(session.handlePollGET(at: at(1)) == [.holdPoll])
    }

    @Test func pingsOverPollingDuringTheUpgrade() {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(20))
        _ = session.webSocketFrame(.text("2probe"), from: 7, at: at(20))
        // The ping is due at 25 while the probe is open: it waits in the queue for a GET or the switch.
        #expect(session.tick(at: at(25)) == [])
        #expect(session.handlePollGET(at: at(25.5)) == [.respond(poll("2"))])
        #expect(session.handlePollPOST(body: body("3"), at: at(25.6)) == [.respond(.ok)])
        _ = session.tick(at: at(51))
        #expect(session.state == .polling)  // The upgrade timed out at 30 meanwhile.
        var other = polling()
        _ = other.webSocketOpened(7, at: at(24))
        _ = other.tick(at: at(25))
        #expect(other.webSocketFrame(.text("5"), from: 7, at: at(26)) == [.sendFrame(.text("2"), webSocket: 7)])
        #expect(other.webSocketFrame(.text("3"), from: 7, at: at(26)) == [])
        #expect(other.nextDeadline == at(51))
    }

    @Test func releasesAGETStillHeldAtTheSwitch() {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(1))
        _ = session.handlePollGET(at: at(1))
        #expect(session.webSocketFrame(.text("5"), from: 7, at: at(2)) == [.releasePoll(poll("6"))])
        #expect(session.state == .webSocket)
    }

    @Test func abortsTheUpgradeOnAnythingButProbeOrUpgrade() {
        for frame in [EngineIOFrame.text(#"42["x"]"#), .text("3"), .text("1"), .text("2"), .text("abc"), .binary([1])] {
            var session = probed()
            #expect(session.webSocketFrame(frame, from: 7, at: at(2)) == [.closeWebSocket(7, code: 1002)])
            #expect(session.state == .polling)
            // Polling goes on, and a new probe may follow.
            #expect(session.handlePollGET(at: at(2)) == [.holdPoll])
            #expect(session.webSocketOpened(8, at: at(3)) == [])
            #expect(session.state == .upgrading)
        }
    }

    @Test func aSecondProbeIsAnsweredAgain() {
        var session = probed()
        #expect(
            session.webSocketFrame(.text("2probe"), from: 7, at: at(2)) == [.sendFrame(.text("3probe"), webSocket: 7)])
    }

    @Test func abandonsTheUpgradeWhenTheProbeCloses() {
        var session = probed()
        #expect(session.webSocketClosed(7, at: at(2)) == [])
        #expect(session.state == .polling)
        #expect(session.nextDeadline == at(25))
    }

    @Test func closesTheProbeAfterTheUpgradeTimeout() {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(1))
        #expect(session.tick(at: at(10.9)) == [])
        #expect(session.tick(at: at(11)) == [.closeWebSocket(7, code: 1000)])
        #expect(session.state == .polling)
        // A late frame from the old probe is ignored.
        #expect(session.webSocketFrame(.text("5"), from: 7, at: at(12)) == [])
        #expect(session.webSocketClosed(7, at: at(12)) == [])
        #expect(session.state == .polling)
    }

    @Test func refusesASecondWebSocket() {
        var session = polling()
        _ = session.webSocketOpened(7, at: at(1))
        #expect(session.webSocketOpened(8, at: at(1)) == [.closeWebSocket(8, code: 1000)])
        _ = session.webSocketFrame(.text("5"), from: 7, at: at(2))
        #expect(session.webSocketOpened(9, at: at(3)) == [.closeWebSocket(9, code: 1000)])
        // Events from the refused sockets do not touch the session.
        #expect(session.webSocketFrame(.text("1"), from: 8, at: at(3)) == [])
        #expect(session.webSocketClosed(9, at: at(3)) == [])
        #expect(session.state == .webSocket)
        var webSocketOnly = webSocket()
        #expect(webSocketOnly.webSocketOpened(2, at: at(1)) == [.closeWebSocket(2, code: 1000)])
    }

    // MARK: Concurrent GET, maxPayload, queue limit

    @Test func aSecondConcurrentGETClosesTheSession() {
        var session = polling()
        _ = session.handlePollGET(at: at(1))
        #expect(
            session.handlePollGET(at: at(2)) == [
                .respond(.badRequest), .releasePoll(poll("1")), .closed(.pollOverlap),
            ])
        #expect(session.handlePollGET(at: at(3)) == [.respond(refusal(.sessionIDUnknown))])
    }

    @Test func aPOSTOverMaxPayloadGets413AndTheSessionSurvives() {
        var session = polling(EngineIOConfiguration(maxPayload: 10))
        #expect(session.handlePollPOST(body: body("42[\"12345\"]"), at: at(1)) == [.respond(.payloadTooLarge)])
        #expect(session.state == .polling)
        #expect(
            session.handlePollPOST(body: body("42[\"1234\"]"), at: at(1)) == [
                .deliver(.text("2[\"1234\"]")), .respond(.ok),
            ])
    }

    @Test func aWebSocketMessageOverMaxPayloadClosesTheSession() {
        var session = webSocket(EngineIOConfiguration(maxPayload: 10))
        #expect(session.webSocketFrame(.text("42[\"1234\"]"), from: 1, at: at(1)) == [.deliver(.text("2[\"1234\"]"))])
        #expect(
            session.webSocketFrame(.binary(Array(repeating: 0, count: 11)), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1009), .closed(.messageTooLarge),
            ])
    }

    @Test func aProbeMessageOverMaxPayloadOnlyAbortsTheUpgrade() {
        var session = polling(EngineIOConfiguration(maxPayload: 4))
        _ = session.webSocketOpened(7, at: at(1))
        #expect(session.webSocketFrame(.text("2probe"), from: 7, at: at(1)) == [.closeWebSocket(7, code: 1009)])
        #expect(session.state == .polling)
    }

    @Test func closesASlowConsumer() {
        var session = polling(EngineIOConfiguration(maxQueuedPackets: 3))
        for i in 0..<3 { #expect(session.send(.text("2[\(i)]")) == []) }
        #expect(session.send(.text("2[3]")) == [.closed(.slowConsumer)])
        #expect(session.handlePollGET(at: at(1)) == [.respond(refusal(.sessionIDUnknown))])
        // A batch that overflows a held GET still answers it.
        var held = polling(EngineIOConfiguration(maxQueuedPackets: 1))
        _ = held.handlePollGET(at: at(1))
        #expect(
            held.send(contentsOf: [.text("2[0]"), .text("2[1]")]) == [.releasePoll(poll("1")), .closed(.slowConsumer)])
        // The heartbeat counts too: a client that never polls is closed at its ping if the queue is full.
        var idle = polling(EngineIOConfiguration(maxQueuedPackets: 1))
        _ = idle.send(.text("2[0]"))
        #expect(idle.tick(at: at(25)) == [.closed(.slowConsumer)])
    }

    @Test func aWebSocketSessionQueuesNothing() {
        var session = webSocket(EngineIOConfiguration(maxQueuedPackets: 1))
        for _ in 0..<3 { #expect(session.send(.text("2[0]")) == [.sendFrame(.text("42[0]"), webSocket: 1)]) }
        #expect(session.queuedPacketCount == 0)
    }

    // MARK: Close paths

    @Test func clientCloseByPOSTReleasesTheHeldGETWithNoop() {
        var session = polling()
        _ = session.handlePollGET(at: at(1))
        #expect(
            session.handlePollPOST(body: body("41\u{1e}1"), at: at(2)) == [
                .deliver(.text("1")), .respond(.ok), .releasePoll(poll("6")), .closed(.clientClose),
            ])
        #expect(session.handlePollGET(at: at(3)) == [.respond(refusal(.sessionIDUnknown))])
    }

    @Test func clientCloseOnAWebSocket() {
        var session = webSocket()
        #expect(
            session.webSocketFrame(.text("1"), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1000), .closed(.clientClose),
            ])
        var dropped = webSocket()
        #expect(dropped.webSocketClosed(1, at: at(1)) == [.closed(.transportClose)])
        #expect(dropped.webSocketFrame(.text("42[\"late\"]"), from: 1, at: at(2)) == [])
        #expect(dropped.send(.text("2[\"late\"]")) == [])
        #expect(dropped.tick(at: at(100)) == [])
    }

    @Test func serverCloseOnPollingGoesThroughTheHeldGET() {
        var session = polling()
        _ = session.handlePollGET(at: at(1))
        #expect(session.close(at: at(2)) == [.releasePoll(poll("1")), .closed(.serverClose)])
        #expect(session.state == .closed)
    }

    @Test func serverCloseOnPollingWaitsForTheNextGET() {
        var session = polling()
        _ = session.send(.text("1"))
        #expect(session.close(at: at(2)) == [])
        #expect(session.state == .closing)
        #expect(session.nextDeadline == at(32))
        #expect(session.send(.text("2[\"dropped\"]")) == [])
        #expect(session.handlePollPOST(body: body("42[\"dropped\"]"), at: at(3)) == [.respond(.ok)])
        #expect(session.webSocketOpened(7, at: at(3)) == [.closeWebSocket(7, code: 1000)])
        #expect(session.close(at: at(3)) == [])
        #expect(session.handlePollGET(at: at(4)) == [.respond(poll("41\u{1e}1")), .closed(.serverClose)])
        #expect(session.state == .closed)
    }

    @Test func serverCloseOnPollingEndsAfterTheCloseTimeout() {
        var session = polling()
        _ = session.close(at: at(2))
        #expect(session.tick(at: at(31)) == [])
        #expect(session.tick(at: at(32)) == [.closed(.serverClose)])
        #expect(session.handlePollGET(at: at(33)) == [.respond(refusal(.sessionIDUnknown))])
    }

    @Test func serverCloseDuringTheUpgradeClosesTheProbe() {
        var session = probed()
        #expect(session.close(at: at(2)) == [.closeWebSocket(7, code: 1000)])
        #expect(session.state == .closing)
    }

    @Test func serverCloseOnAWebSocketJustClosesIt() {
        var session = webSocket()
        #expect(session.close(at: at(1)) == [.closeWebSocket(1, code: 1000), .closed(.serverClose)])
        #expect(session.close(at: at(2)) == [])
    }

    @Test func anUndecodablePOSTClosesTheSession() {
        var session = polling()
        _ = session.handlePollGET(at: at(1))
        #expect(
            session.handlePollPOST(body: body("40\u{1e}abc\u{1e}42[\"never\"]"), at: at(2)) == [
                .deliver(.text("0")), .respond(refusal(.badRequest)), .releasePoll(poll("1")), .closed(.parseError),
            ])
        #expect(session.handlePollGET(at: at(3)) == [.respond(refusal(.sessionIDUnknown))])
    }

    @Test func anUndecodableFrameClosesTheSession() {
        var session = webSocket()
        #expect(
            session.webSocketFrame(.text("abc"), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1002), .closed(.parseError),
            ])
        var empty = webSocket()
        #expect(
            empty.webSocketFrame(.text(""), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1002), .closed(.parseError),
            ])
    }

    @Test func aClientPingClosesTheSession() {
        var session = polling()
        #expect(
            session.handlePollPOST(body: body("2"), at: at(1)) == [
                .respond(refusal(.badRequest)), .closed(.invalidHeartbeatDirection),
            ])
        var webSocketSession = webSocket()
        #expect(
            webSocketSession.webSocketFrame(.text("2probe"), from: 1, at: at(1)) == [
                .closeWebSocket(1, code: 1002), .closed(.invalidHeartbeatDirection),
            ])
    }

    @Test func anOctetStreamPOSTClosesTheSession() {
        var session = polling()
        #expect(
            session.handlePollPOST(body: body("40"), contentType: "application/octet-stream", at: at(1)) == [
                .respond(.badRequest), .closed(.invalidContentType),
            ])
        var plain = polling()
        #expect(
            plain.handlePollPOST(body: body("40"), contentType: "text/plain;charset=UTF-8", at: at(1)) == [
                .deliver(.text("0")), .respond(.ok),
            ])
    }
}
