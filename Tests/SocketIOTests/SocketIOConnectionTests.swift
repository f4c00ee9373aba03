import JSON
import SocketIO
import Testing

@Suite struct SocketIOConnectionTests {
    static let socketID = "wZX3oN0bSVIhsaknAAAI"
    static let accept = SocketIOConnection.Action.send(.text(#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#))

    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    func connection(_ configuration: SocketIOConfiguration = .default) -> SocketIOConnection {
        SocketIOConnection(configuration: configuration, random: ScriptedRandom(ids: [Self.socketID]), at: t0)
    }

    func connected(_ configuration: SocketIOConfiguration = .default) -> SocketIOConnection {
        var connection = connection(configuration)
        _ = connection.receive(.text("0"), at: at(1))
        return connection
    }

    @Test func acceptsTheDefaultNamespaceWithANewSocketID() {
        var connection = connection()
        #expect(connection.nextDeadline == at(45))
        #expect(
            connection.receive(.text("0"), at: at(1)) == [Self.accept, .connected(socketID: Self.socketID, auth: nil)])
        #expect(connection.state == .connected(socketID: Self.socketID))
        #expect(connection.socketID == Self.socketID)
        #expect(connection.nextDeadline == nil)
    }

    @Test func passesTheAuthObjectOn() {
        var connection = connection()
        let auth = JSONObject([("token", .string("123"))])
        #expect(
            connection.receive(.text(#"0{"token":"123"}"#), at: at(1)) == [
                Self.accept, .connected(socketID: Self.socketID, auth: auth),
            ])
    }

    @Test func refusesOtherNamespacesAndStaysOpen() {
        var connection = connection()
        let refusal = SocketIOConnection.Action.send(.text(#"4/random,{"message":"Invalid namespace"}"#))
        #expect(connection.receive(.text("0/random"), at: at(1)) == [refusal])
        #expect(
            connection.receive(.text("0/admin,{\"token\":\"abc\"}"), at: at(1)) == [
                .send(.text(#"4/admin,{"message":"Invalid namespace"}"#))
            ])
        #expect(connection.state == .awaitingConnect)
        #expect(
            connection.receive(.text("0"), at: at(2)) == [Self.accept, .connected(socketID: Self.socketID, auth: nil)])
        #expect(connection.receive(.text("0/random,"), at: at(3)) == [refusal])
        #expect(connection.state == .connected(socketID: Self.socketID))
    }

    @Test func deliversEventsAndAcksThemAutomatically() {
        var connection = connected()
        let hi = JSONValue.object(JSONObject([("text", .string("hi"))]))
        #expect(
            connection.receive(.text(#"2["chat",{"text":"hi"}]"#), at: at(2)) == [
                .event(SocketIOEvent(name: "chat", arguments: [hi]))
            ])
        #expect(
            connection.receive(.text(#"20["echo","x"]"#), at: at(2)) == [
                .event(SocketIOEvent(name: "echo", arguments: [.string("x")], ackID: 0)), .send(.text("30[]")),
            ])
        #expect(
            connection.receive(.text(#"2["ping"]"#), at: at(2)) == [.event(SocketIOEvent(name: "ping", arguments: []))])
        // Nothing is owed: a manual ack is ignored.
        #expect(connection.acknowledge(0, with: [.string("late")]) == [])
    }

    @Test func letsTheApplicationAnswerAcksOnceEach() {
        var connection = connected(SocketIOConfiguration(acknowledgesAutomatically: false))
        #expect(
            connection.receive(.text(#"21["chat","x"]"#), at: at(2)) == [
                .event(SocketIOEvent(name: "chat", arguments: [.string("x")], ackID: 1))
            ])
        #expect(connection.acknowledge(1, with: [.string("got it")]) == [.send(.text(#"31["got it"]"#))])
        #expect(connection.acknowledge(1, with: [.string("again")]) == [])
        #expect(connection.acknowledge(2, with: []) == [])
    }

    @Test func ignoresAcksFromTheClient() {
        var connection = connected()
        #expect(connection.receive(.text(#"31["x"]"#), at: at(2)) == [])
        #expect(connection.state == .connected(socketID: Self.socketID))
    }

    @Test func discardsBinaryEventsWithTheirAttachments() {
        var connection = connected()
        #expect(
            connection.receive(
                .text(#"52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#), at: at(2)) == [])
        #expect(connection.receive(.binary([1, 2, 3, 4]), at: at(2)) == [])
        #expect(connection.receive(.binary([5]), at: at(2)) == [])
        // In sync again: the next text packet is an ordinary event.
        #expect(
            connection.receive(.text(#"2["after"]"#), at: at(2)) == [
                .event(SocketIOEvent(name: "after", arguments: []))
            ])
        // One that asks for an ack is acked at once, since the application never sees it.
        #expect(
            connection.receive(.text(#"51-7["up",{"_placeholder":true,"num":0}]"#), at: at(3)) == [.send(.text("37[]"))]
        )
        #expect(connection.receive(.binary([1]), at: at(3)) == [])
        #expect(connection.receive(.text(#"61-15[{"_placeholder":true,"num":0}]"#), at: at(4)) == [])
        #expect(connection.receive(.binary([1]), at: at(4)) == [])
        #expect(connection.receive(.text(#"50-["none"]"#), at: at(5)) == [])
        #expect(connection.state == .connected(socketID: Self.socketID))
    }

    @Test func closesOnATextPacketBetweenAttachments() {
        var connection = connected()
        _ = connection.receive(
            .text(#"52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#), at: at(2))
        _ = connection.receive(.binary([1]), at: at(2))
        #expect(
            connection.receive(.text(#"2["x"]"#), at: at(2)) == [
                .disconnected(.invalidPacket), .closeTransport(.unexpectedPacket),
            ])
        #expect(connection.state == .closed)
        #expect(connection.receive(.text("0"), at: at(3)) == [])
    }

    @Test func closesOnAnUnannouncedBinaryMessage() {
        var connection = connected()
        #expect(
            connection.receive(.binary([1]), at: at(2)) == [
                .disconnected(.invalidPacket), .closeTransport(.unexpectedPacket),
            ])
    }

    @Test(arguments: [#"2{}"#, #"2abc["x"]"#, "abc", "", #"2["connect"]"#, "1{}"])
    func closesOnAnInvalidPacket(text: String) {
        var connection = connected()
        #expect(
            connection.receive(.text(text), at: at(2)) == [
                .disconnected(.invalidPacket), .closeTransport(.invalidPacket),
            ])
    }

    @Test(arguments: [
        #"2["chat"]"#, #"20["chat"]"#, "1", #"3["x"]"#, #"4{"message":"x"}"#, #"2/admin,["chat"]"#, "1/admin,",
    ])
    func closesOnAnythingButConnectBeforeConnecting(text: String) {
        // As the JS server does; the Python server would ignore them.
        var connection = connection()
        #expect(connection.receive(.text(text), at: at(1)) == [.closeTransport(.unexpectedPacket)])
        #expect(connection.nextDeadline == nil)
    }

    @Test func closesOnASecondConnect() {
        var connection = connected()
        #expect(
            connection.receive(.text("0{}"), at: at(2)) == [
                .disconnected(.invalidPacket), .closeTransport(.unexpectedPacket),
            ])
    }

    @Test func leavesOnDisconnectAndMayJoinAgain() {
        var connection = SocketIOConnection(
            random: ScriptedRandom(ids: [Self.socketID, "oSO0OpakMV_3jnilAAAA"]), at: t0)
        _ = connection.receive(.text("0"), at: at(1))
        #expect(connection.receive(.text("1"), at: at(2)) == [.disconnected(.clientDisconnect)])
        #expect(connection.state == .awaitingConnect)
        #expect(connection.emit("news", []) == [])
        // No connect timeout the second time, as in JS; a new socket id.
        #expect(connection.nextDeadline == nil)
        #expect(
            connection.receive(.text("0"), at: at(3)) == [
                .send(.text(#"0{"sid":"oSO0OpakMV_3jnilAAAA"}"#)),
                .connected(socketID: "oSO0OpakMV_3jnilAAAA", auth: nil),
            ])
    }

    @Test func emitsOnlyWhenConnected() {
        var connection = connection()
        #expect(connection.emit("news", [.object(JSONObject([("n", .number(1))]))]) == [])
        _ = connection.receive(.text("0"), at: at(1))
        #expect(
            connection.emit("news", [.object(JSONObject([("n", .number(1))]))]) == [.send(.text(#"2["news",{"n":1}]"#))]
        )
        let shared = SocketIOPacket.event("tick", [.number(2)]).encoded
        #expect(connection.emit(encoded: shared) == [.send(.text(#"2["tick",2]"#))])
    }

    @Test func disconnectsFromTheServerSide() {
        var connection = connected()
        #expect(connection.disconnect() == [.send(.text("1")), .disconnected(.serverDisconnect)])
        #expect(connection.disconnect() == [])
        #expect(connection.state == .awaitingConnect)
    }

    @Test func closesWhenNobodyConnectsInTime() {
        var connection = connection()
        #expect(connection.tick(at: at(44.9)) == [])
        #expect(connection.tick(at: at(45)) == [.closeTransport(.connectTimeout)])
        #expect(connection.tick(at: at(46)) == [])
        var joined = connected()
        #expect(joined.tick(at: at(100)) == [])
    }

    @Test func reportsTheEndOfTheTransport() {
        var connection = connected()
        #expect(connection.transportClosed() == [.disconnected(.transportClose)])
        #expect(connection.transportClosed() == [])
        var waiting = self.connection()
        #expect(waiting.transportClosed() == [])
        #expect(waiting.nextDeadline == nil)
    }
}
