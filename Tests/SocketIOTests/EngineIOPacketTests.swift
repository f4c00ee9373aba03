import SocketIO
import Testing

@Suite struct EngineIOPacketTests {
    static let open =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#

    @Test func buildsTheReferenceOpenPacket() {
        let packet = EngineIOPacket.handshake(
            sessionID: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], configuration: .default)
        #expect(packet.text == Self.open)
        let webSocketOnly = EngineIOPacket.handshake(
            sessionID: "lv_VI97HAXpY6yYWAAAC", upgrades: [], configuration: .default)
        #expect(
            webSocketOnly.text
                == #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        )
    }

    @Test func advertisesConfiguredTimingsInMilliseconds() {
        let configuration = EngineIOConfiguration(
            pingInterval: .milliseconds(3_000), pingTimeout: .seconds(2.5), maxPayload: 512)
        let packet = EngineIOPacket.handshake(sessionID: "x", upgrades: [], configuration: configuration)
        #expect(packet.text == #"0{"sid":"x","upgrades":[],"pingInterval":3000,"pingTimeout":2500,"maxPayload":512}"#)
    }

    @Test(arguments: [
        (EngineIOPacket.close, "1"),
        (.ping(""), "2"),
        (.ping("probe"), "2probe"),
        (.pong(""), "3"),
        (.pong("probe"), "3probe"),
        (.message(.text(#"2["a"]"#)), #"42["a"]"#),
        (.message(.text("")), "4"),
        (.message(.binary([1, 2, 3, 4])), "bAQIDBA=="),
        (.upgrade, "5"),
        (.noop, "6"),
        (.open("{}"), "0{}"),
    ])
    func goldenTextForms(packet: EngineIOPacket, text: String) throws {
        #expect(packet.text == text)
        #expect(try EngineIOPacket(text: text) == packet)
    }

    @Test func binaryBase64CoversEveryRemainderLength() throws {
        let cases: [([UInt8], String)] = [
            ([], "b"), ([0xFF], "b/w=="), ([0xFF, 0xFE], "b//4="), ([0xFB, 0xFF, 0xBF], "b+/+/"),
            (Array(0...9), "bAAECAwQFBgcICQ=="),
        ]
        for (bytes, text) in cases {
            #expect(EngineIOPacket.message(.binary(bytes)).text == text)
            #expect(try EngineIOPacket(text: text) == .message(.binary(bytes)))
        }
        // Unpadded and URL-safe base64 decode too, as Node's decoder accepts them.
        #expect(try EngineIOPacket(text: "bAQIDBA") == .message(.binary([1, 2, 3, 4])))
        #expect(try EngineIOPacket(text: "b-_-_") == .message(.binary([0xFB, 0xFF, 0xBF])))
    }

    @Test func ignoresDataOnPacketsThatCarryNone() throws {
        #expect(try EngineIOPacket(text: "1x") == .close)
        #expect(try EngineIOPacket(text: "5x") == .upgrade)
        #expect(try EngineIOPacket(text: "6x") == .noop)
    }

    @Test func keepsNonASCIIMessagesIntact() throws {
        #expect(try EngineIOPacket(text: #"42["é",""]"#) == .message(.text(#"2["é",""]"#)))
        // A combining mark right after the type digit stays with the data.
        #expect(try EngineIOPacket(text: "4\u{301}") == .message(.text("\u{301}")))
    }

    @Test(arguments: [
        ("", EngineIOParseError.Code.emptyPacket),
        ("abc", .unknownType),
        ("7", .unknownType),
        ("9", .unknownType),
        ("é", .unknownType),
        (" 4", .unknownType),
        ("b!!!!", .invalidBase64),
        ("bA", .invalidBase64),
        ("bAA===", .invalidBase64),
    ])
    func rejects(text: String, code: EngineIOParseError.Code) {
        let error = #expect(throws: EngineIOParseError.self) { try EngineIOPacket(text: text) }
        #expect(error?.code == code)
    }

    @Test func mapsPacketsToWebSocketFrames() throws {
        #expect(EngineIOPacket.message(.binary([1, 2])).webSocketFrame == .binary([1, 2]))
        #expect(EngineIOPacket.message(.text("2[]")).webSocketFrame == .text("42[]"))
        #expect(EngineIOPacket.pong("probe").webSocketFrame == .text("3probe"))
        #expect(try EngineIOPacket(webSocketFrame: .binary([9])) == .message(.binary([9])))
        #expect(try EngineIOPacket(webSocketFrame: .text("2probe")) == .ping("probe"))
        // On a WebSocket too, a `b` text frame is a base64 binary message (b64 clients).
        #expect(try EngineIOPacket(webSocketFrame: .text("bAQIDBA==")) == .message(.binary([1, 2, 3, 4])))
        #expect(EngineIOFrame.text("é").byteCount == 2)
    }
}

@Suite struct EngineIOPayloadTests {
    @Test func joinsPacketsWithTheRecordSeparator() {
        let body = EngineIOPayload.encode([
            .message(.text(#"2["a"]"#)), .message(.text(#"2["b"]"#)), .ping(""),
        ])
        #expect(body == "42[\"a\"]\u{1e}42[\"b\"]\u{1e}2")
        #expect(Array(body.utf8).filter { $0 == 0x1E }.count == 2)
        #expect(EngineIOPayload.encode([.noop]) == "6")
    }

    @Test func carriesBinaryAsBase64() {
        let body = EngineIOPayload.encode([
            .message(.text(#"51-["up",{"_placeholder":true,"num":0}]"#)), .message(.binary([1, 2, 3, 4])),
        ])
        #expect(body == "451-[\"up\",{\"_placeholder\":true,\"num\":0}]\u{1e}bAQIDBA==")
    }

    @Test func decodesAPostBody() throws {
        let body = Array("42[\"hello\"]\u{1e}42[\"world\"]\u{1e}3\u{1e}bAQIDBA==".utf8)
        #expect(
            try EngineIOPayload.decode(body) == [
                .message(.text(#"2["hello"]"#)), .message(.text(#"2["world"]"#)), .pong(""),
                .message(.binary([1, 2, 3, 4])),
            ])
        #expect(try EngineIOPayload.decode(Array("40".utf8)) == [.message(.text("0"))])
        #expect(try EngineIOPayload.decode([UInt8]()) == [])
    }

    @Test func keepsAnEscapedSeparatorInsideJSON() throws {
        // JSON writes U+001E as an escape, so a raw 0x1E only ever separates packets.
        let body = Array(#"42["a\u001eb"]"#.utf8)
        #expect(try EngineIOPayload.decode(body) == [.message(.text(#"2["a\u001eb"]"#))])
    }

    @Test(arguments: ["abc", "40\u{1e}abc", "40\u{1e}\u{1e}41", "40\u{1e}"])
    func rejectsABodyWithABadPacket(body: String) {
        #expect(throws: EngineIOParseError.self) { try EngineIOPayload.decode(Array(body.utf8)) }
    }
}
