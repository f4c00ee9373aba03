import JSON
import Lobby
import Testing

/// Decoding every client `$type` of contracts §4, and every invalid shape.
@Suite struct LobbyClientMessageTests {
    func decode(_ text: String, limits: LobbyLimits = .default) throws(LobbyMessageError) -> LobbyClientMessage {
        try LobbyClientMessage(frame: Array(text.utf8), limits: limits)
    }

    func failure(_ text: String, limits: LobbyLimits = .default) -> LobbyMessageError? {
        do {
            _ = try decode(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheSeedsExamples() throws {
        #expect(
            try decode(#"{"$type": "login", "username": "user1234", "password": "password1234"}"#)
                == .login(username: "user1234", password: "password1234"))
        #expect(try decode(#"{"$type": "ping", "seq": 1}"#) == .ping(seq: .number(1)))
        #expect(try decode(#"{"$type": "subscribe_tables"}"#) == .subscribeTables)
        #expect(try decode(#"{"$type": "unsubscribe_tables"}"#) == .unsubscribeTables)
        // The client's table id is ignored: the server assigns one.
        #expect(
            try decode(
                #"{"$type": "add_table", "after_id": 1, "table": {"id": 3, "name": "table - Foo Fighters", "participants": 4}}"#
            ) == .addTable(afterID: 1, name: "table - Foo Fighters", participants: 4))
        #expect(
            try decode(
                #"{"$type": "update_table", "table": {"id": 3, "name": "table - Foo Fighters", "participants": 5}}"#)
                == .updateTable(LobbyTable(id: 3, name: "table - Foo Fighters", participants: 5)))
        #expect(try decode(#"{"$type": "remove_table", "id": 3}"#) == .removeTable(id: 3))
    }

    @Test func pingEchoesAnySeqValue() throws {
        for seq in [#""abc""#, "null", "true", "1.5", "-3", "[1,{\"a\":2}]", "{\"x\":[]}", "1e300"] {
            let expected = try JSONParser.parse(seq)
            #expect(try decode(#"{"$type":"ping","seq":\#(seq)}"#) == .ping(seq: expected))
        }
    }

    @Test func acceptsBoundsExtraFieldsAndWholeDoubles() throws {
        #expect(
            try decode(#"{"$type":"add_table","after_id":-1,"table":{"name":"x","participants":0},"extra":1}"#)
                == .addTable(afterID: -1, name: "x", participants: 0))
        let name256 = String(repeating: "é", count: 128)
        #expect(
            try decode(#"{"$type":"add_table","after_id":2.0,"table":{"name":"\#(name256)","participants":1e9}}"#)
                == .addTable(afterID: 2, name: name256, participants: 1_000_000_000))
        // Any integer id within 2^53 is well-formed (an unknown one fails later, as the contract says).
        #expect(try decode(#"{"$type":"remove_table","id":-9007199254740992}"#) == .removeTable(id: -(1 << 53)))
        #expect(try decode(#"{"$type":"remove_table","id":9007199254740992}"#) == .removeTable(id: 1 << 53))
        #expect(try decode(#"{"$type":"login","username":"","password":""}"#) == .login(username: "", password: ""))
        // The last duplicate key wins, as in JavaScript.
        #expect(try decode(#"{"$type":"ping","$type":"remove_table","id":1}"#) == .removeTable(id: 1))
    }

    @Test func knowsTypesAndPrivileges() throws {
        let all: [LobbyClientMessage] = [
            .login(username: "a", password: "b"), .ping(seq: .null), .subscribeTables, .unsubscribeTables,
            .addTable(afterID: 1, name: "x", participants: 1),
            .updateTable(LobbyTable(id: 1, name: "x", participants: 1)),
            .removeTable(id: 1),
        ]
        #expect(
            all.map(\.type) == [
                "login", "ping", "subscribe_tables", "unsubscribe_tables", "add_table", "update_table", "remove_table",
            ])
        #expect(all.map(\.isPrivileged) == [false, false, false, false, true, true, true])
    }

    /// Every invalid shape: the code and the reason sent in `invalid_message`.
    @Test(arguments: [
        ("", LobbyMessageError.Code.invalidJSON, "invalid JSON: "),
        ("{", .invalidJSON, "invalid JSON: "),
        (#"{"$type":"ping","seq":1,}"#, .invalidJSON, "invalid JSON: "),
        ("[]", .notAnObject, "message must be a JSON object"),
        (#""login""#, .notAnObject, "message must be a JSON object"),
        ("null", .notAnObject, "message must be a JSON object"),
        ("{}", .missingType, "$type is missing"),
        (#"{"type":"ping","seq":1}"#, .missingType, "$type is missing"),
        (#"{"$type":1}"#, .missingType, "$type must be a string"),
        (#"{"$type":null}"#, .missingType, "$type must be a string"),
        (#"{"$type":"pong","seq":1}"#, .unknownType, #"unknown $type "pong""#),
        (#"{"$type":"Login"}"#, .unknownType, #"unknown $type "Login""#),
        (#"{"$type":"table_list"}"#, .unknownType, #"unknown $type "table_list""#),
        (#"{"$type":"login","password":"p"}"#, .missingField, "username is missing"),
        (#"{"$type":"login","username":"u"}"#, .missingField, "password is missing"),
        (#"{"$type":"login","username":1,"password":"p"}"#, .invalidField, "username must be a string"),
        (#"{"$type":"login","username":"u","password":null}"#, .invalidField, "password must be a string"),
        (#"{"$type":"ping"}"#, .missingField, "seq is missing"),
        (#"{"$type":"add_table","table":{"name":"x","participants":1}}"#, .missingField, "after_id is missing"),
        (
            #"{"$type":"add_table","after_id":"1","table":{"name":"x","participants":1}}"#, .invalidField,
            "after_id must be an integer"
        ),
        (
            #"{"$type":"add_table","after_id":1.5,"table":{"name":"x","participants":1}}"#, .invalidField,
            "after_id must be an integer"
        ),
        (
            #"{"$type":"add_table","after_id":1e300,"table":{"name":"x","participants":1}}"#, .invalidField,
            "after_id must be between -2^53 and 2^53"
        ),
        (#"{"$type":"add_table","after_id":1}"#, .missingField, "table is missing"),
        (#"{"$type":"add_table","after_id":1,"table":[]}"#, .invalidField, "table must be an object"),
        (#"{"$type":"add_table","after_id":1,"table":{"participants":1}}"#, .missingField, "table.name is missing"),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":7,"participants":1}}"#, .invalidField,
            "table.name must be a string"
        ),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"","participants":1}}"#, .invalidField,
            "table.name: name must not be empty"
        ),
        (#"{"$type":"add_table","after_id":1,"table":{"name":"x"}}"#, .missingField, "table.participants is missing"),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"x","participants":"4"}}"#, .invalidField,
            "table.participants must be an integer"
        ),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"x","participants":4.5}}"#, .invalidField,
            "table.participants must be an integer"
        ),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"x","participants":-1}}"#, .invalidField,
            "table.participants must be >= 0"
        ),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"x","participants":1e300}}"#, .invalidField,
            "table.participants must be <= 1000000000"
        ),
        (
            #"{"$type":"add_table","after_id":1,"table":{"name":"x","participants":1000000001}}"#, .invalidField,
            "table.participants must be <= 1000000000"
        ),
        (#"{"$type":"update_table","id":1,"name":"x","participants":1}"#, .missingField, "table is missing"),
        (#"{"$type":"update_table","table":{"name":"x","participants":1}}"#, .missingField, "table.id is missing"),
        (
            #"{"$type":"update_table","table":{"id":null,"name":"x","participants":1}}"#, .invalidField,
            "table.id must be an integer"
        ),
        (#"{"$type":"update_table","table":{"id":1,"participants":1}}"#, .missingField, "table.name is missing"),
        (
            #"{"$type":"update_table","table":{"id":1,"name":"x","participants":true}}"#, .invalidField,
            "table.participants must be an integer"
        ),
        (#"{"$type":"remove_table"}"#, .missingField, "id is missing"),
        (#"{"$type":"remove_table","id":"3"}"#, .invalidField, "id must be an integer"),
        (#"{"$type":"remove_table","id":-9007199254740994}"#, .invalidField, "id must be between -2^53 and 2^53"),
    ])
    func rejects(text: String, code: LobbyMessageError.Code, reason: String) throws {
        let error = try #require(failure(text))
        #expect(error.code == code)
        if code == .invalidJSON {
            #expect(error.reason.hasPrefix(reason))
        } else {
            #expect(error.reason == reason)
        }
    }

    @Test func rejectsLongNamesAndFrames() throws {
        let name257 = String(repeating: "é", count: 128) + "x"
        let long = try #require(
            failure(#"{"$type":"add_table","after_id":1,"table":{"name":"\#(name257)","participants":1}}"#))
        #expect(long == LobbyMessageError(.invalidField, "table.name: name is longer than 256 bytes"))
        var limits = LobbyLimits()
        limits.maxMessageBytes = 24
        #expect(
            failure(#"{"$type":"ping","seq":12}"#, limits: limits)
                == LobbyMessageError(.tooLarge, "message is longer than 24 bytes"))
        #expect(try decode(#"{"$type":"ping","seq":1}"#, limits: limits) == .ping(seq: .number(1)))
        let big = #"{"$type":"ping","seq":""# + String(repeating: "x", count: 65_536) + #""}"#
        #expect(failure(big)?.code == .tooLarge)
    }

    @Test func invalidUTF8IsInvalidJSON() {
        let bytes: [UInt8] = Array(#"{"$type":"ping","seq":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(throws: LobbyMessageError.self) { try LobbyClientMessage(frame: bytes) }
    }
}

/// The field rules REST bodies reuse (`POST /lobby_api/tables`, `PUT /lobby_api/tables/{id}`).
@Suite struct LobbyLimitsJSONTests {
    let limits = LobbyLimits.default

    @Test func decodesRESTBodyFields() throws {
        guard case .object(let body) = try JSONParser.parse(#"{"name":"n","participants":3,"id":"x"}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(try limits.name(from: body["name"], field: "name") == "n")
        #expect(try limits.participants(from: body["participants"], field: "participants") == 3)
        #expect(throws: LobbyMessageError(.invalidField, "id must be an integer")) {
            try limits.id(from: body["id"], field: "id")
        }
        #expect(throws: LobbyMessageError(.missingField, "after_id is missing")) {
            try limits.id(from: body["after_id"], field: "after_id")
        }
        #expect(throws: LobbyMessageError(.invalidField, "name: name must not be empty")) {
            try limits.name(from: .string(""), field: "name")
        }
    }
}
