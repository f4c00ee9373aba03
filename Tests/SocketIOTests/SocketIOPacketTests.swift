import JSON
import SocketIO
import Testing

@Suite struct SocketIOPacketTests {
    /// Every wire example of protocol reference §2.3, without the Engine.IO `4`; each decodes and re-encodes to
    /// the same text.
    static let golden: [(String, SocketIOPacket)] = [
        ("0", SocketIOPacket(type: .connect)),
        ("0{}", SocketIOPacket(type: .connect, payload: .object(JSONObject()))),
        (#"0{"token":"123"}"#, SocketIOPacket(type: .connect, payload: object(("token", .string("123"))))),
        ("0/admin,", SocketIOPacket(type: .connect, namespace: "/admin")),
        (
            #"0/admin,{"token":"abc"}"#,
            SocketIOPacket(type: .connect, namespace: "/admin", payload: object(("token", .string("abc"))))
        ),
        (#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#, .connectAccepted(socketID: "wZX3oN0bSVIhsaknAAAI")),
        (
            #"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
            .connectAccepted(socketID: "oSO0OpakMV_3jnilAAAA", namespace: "/admin")
        ),
        (#"4{"message":"Not authorized"}"#, .connectError("Not authorized")),
        (
            #"4{"message":"Not authorized","data":{"code":42}}"#,
            SocketIOPacket(
                type: .connectError,
                payload: object(("message", .string("Not authorized")), ("data", object(("code", .number(42))))))
        ),
        (#"4/random,{"message":"Invalid namespace"}"#, .connectError("Invalid namespace", namespace: "/random")),
        (
            #"4/random,"Unable to connect""#,
            SocketIOPacket(type: .connectError, namespace: "/random", payload: .string("Unable to connect"))
        ),
        (#"2["chat",{"text":"hi"}]"#, .event("chat", [object(("text", .string("hi")))])),
        (#"2/admin,["chat"]"#, .event("chat", [], namespace: "/admin")),
        (#"20["echo","x"]"#, .event("echo", [.string("x")], ackID: 0)),
        (#"21["chat","x"]"#, .event("chat", [.string("x")], ackID: 1)),
        (#"31["got it"]"#, .ack(1, [.string("got it")])),
        ("312[]", .ack(12, [])),
        (#"3/admin,13["bar"]"#, .ack(13, [.string("bar")], namespace: "/admin")),
        ("1", .disconnect()),
        ("1/admin,", .disconnect(namespace: "/admin")),
        (
            #"51-["up",{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(
                type: .binaryEvent, attachments: 1,
                payload: .array([.string("up"), object(("_placeholder", .bool(true)), ("num", .number(0)))]))
        ),
        (
            #"61-15[{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(
                type: .binaryAck, attachments: 1, ackID: 15,
                payload: .array([object(("_placeholder", .bool(true)), ("num", .number(0)))]))
        ),
        ("50-[\"x\"]", SocketIOPacket(type: .binaryEvent, attachments: 0, payload: .array([.string("x")]))),
    ]

    @Test func decodesAndEncodesEveryGoldenExample() throws {
        for (text, packet) in Self.golden {
            #expect(try SocketIOPacket(decoding: text) == packet, "\(text)")
            #expect(packet.encoded == text)
        }
    }

    @Test func readsANamespaceWithoutItsComma() throws {
        #expect(try SocketIOPacket(decoding: "0/admin") == SocketIOPacket(type: .connect, namespace: "/admin"))
        #expect(try SocketIOPacket(decoding: "1/admin") == .disconnect(namespace: "/admin"))
    }

    @Test func writesCompactJSONWithRawUTF8() {
        let packet = SocketIOPacket.event("news", [object(("n", .number(1)), ("t", .string("é\n")))])
        #expect(packet.encoded == "2[\"news\",{\"n\":1,\"t\":\"é\\n\"}]")
    }

    @Test func givesEventNamesAndNumericNamesAsStrings() throws {
        let named = try SocketIOPacket(decoding: #"2["chat",1,"x"]"#)
        #expect(named.eventNameAndArguments?.name == "chat")
        #expect(named.eventNameAndArguments?.arguments == [.number(1), .string("x")])
        #expect(try SocketIOPacket(decoding: #"2[7,"x"]"#).eventNameAndArguments?.name == "7")
        #expect(try SocketIOPacket(decoding: "31[]").eventNameAndArguments == nil)
    }

    @Test(arguments: [
        ("2{}", SocketIOParseError.Code.invalidPayload),
        (#"2abc["x"]"#, .invalidJSON),
        ("abc", .unknownType),
        ("", .emptyPacket),
        ("7[]", .unknownType),
        ("9", .unknownType),
        ("2", .invalidPayload),
        ("2[]", .invalidPayload),
        ("2[true]", .invalidPayload),
        (#"2["connect"]"#, .invalidPayload),
        (#"2["disconnecting",1]"#, .invalidPayload),
        (#"2["newListener"]"#, .invalidPayload),
        ("1{}", .invalidPayload),
        ("0[]", .invalidPayload),
        (#"0"x""#, .invalidPayload),
        ("3{}", .invalidPayload),
        ("3", .invalidPayload),
        ("4", .invalidPayload),
        ("4[]", .invalidPayload),
        (#"5-["x"]"#, .invalidAttachments),
        (#"5a-["x"]"#, .invalidAttachments),
        (#"51["x"]"#, .invalidAttachments),
        (#"511-["x",1,2,3,4,5,6,7,8,9,10]"#, .tooManyAttachments),
        (#"299999999999999999999["x"]"#, .invalidAckID),
        (#"2["x"] x"#, .invalidJSON),
        (#"2/admin["x"]"#, .invalidPayload),
    ])
    func rejects(text: String, code: SocketIOParseError.Code) {
        let error = #expect(throws: SocketIOParseError.self) { try SocketIOPacket(decoding: text) }
        #expect(error?.code == code, "\(text)")
    }
}

private func object(_ pairs: (String, JSONValue)...) -> JSONValue { .object(JSONObject(pairs)) }
