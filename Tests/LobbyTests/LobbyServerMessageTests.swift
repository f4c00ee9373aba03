import JSON
import Lobby
import Testing

/// Every server `$type` of contracts §4, as exact JSON text.
@Suite struct LobbyServerMessageTests {
    let table = LobbyTable(id: 3, name: "table - Foo Fighters", participants: 9)

    @Test func encodesEveryType() {
        let cases: [(LobbyServerMessage, String)] = [
            (.loginSuccessful(userType: .admin), #"{"$type":"login_successful","user_type":"admin"}"#),
            (.loginSuccessful(userType: .user), #"{"$type":"login_successful","user_type":"user"}"#),
            (.loginFailed, #"{"$type":"login_failed"}"#),
            (.pong(seq: .number(1)), #"{"$type":"pong","seq":1}"#),
            (.pong(seq: .null), #"{"$type":"pong","seq":null}"#),
            (
                .pong(seq: .array([.string("a"), .object(JSONObject([("b", .bool(true))]))])),
                #"{"$type":"pong","seq":["a",{"b":true}]}"#
            ),
            (
                .tableList(LobbyState.initial.tables),
                #"{"$type":"table_list","tables":[{"id":1,"name":"table - James Bond","participants":7},"#
                    + #"{"id":2,"name":"table - Mission Impossible","participants":4}]}"#
            ),
            (.tableList([]), #"{"$type":"table_list","tables":[]}"#),
            (
                .tableAdded(afterID: 1, table: table),
                #"{"$type":"table_added","after_id":1,"table":{"id":3,"name":"table - Foo Fighters","participants":9}}"#
            ),
            (
                .tableUpdated(table: table),
                #"{"$type":"table_updated","table":{"id":3,"name":"table - Foo Fighters","participants":9}}"#
            ),
            (.tableRemoved(id: 1), #"{"$type":"table_removed","id":1}"#),
            (.notAuthenticated, #"{"$type":"not_authenticated"}"#),
            (.notAuthorized, #"{"$type":"not_authorized"}"#),
            (.additionFailed(afterID: -1), #"{"$type":"addition_failed","after_id":-1}"#),
            (.updateFailed(id: 9_007_199_254_740_992), #"{"$type":"update_failed","id":9007199254740992}"#),
            (.removalFailed(id: 4), #"{"$type":"removal_failed","id":4}"#),
            (
                .invalidMessage(reason: #"unknown $type "x""#),
                #"{"$type":"invalid_message","reason":"unknown $type \"x\""}"#
            ),
        ]
        for (message, text) in cases {
            #expect(message.jsonText == text)
            #expect(message.jsonBytes == Array(text.utf8))
            // The text is JSON whose `$type` is the message's type.
            if case .object(let object)? = try? JSONParser.parse(text) {
                #expect(object["$type"] == .string(message.type))
            } else {
                Issue.record("not a JSON object: \(text)")
            }
        }
    }

    @Test func escapesNames() {
        let odd = LobbyTable(id: 1, name: "a\"b\\c\nd é😀", participants: 0)
        #expect(String(decoding: odd.jsonBytes, as: UTF8.self) == #"{"id":1,"name":"a\"b\\c\nd é😀","participants":0}"#)
    }

    @Test func mapsEventsAndFailures() {
        #expect(
            LobbyServerMessage(LobbyEvent.tableAdded(afterID: -1, table: table))
                == .tableAdded(afterID: -1, table: table))
        #expect(LobbyServerMessage(LobbyEvent.tableUpdated(table: table)) == .tableUpdated(table: table))
        #expect(LobbyServerMessage(LobbyEvent.tableRemoved(id: 3)) == .tableRemoved(id: 3))
        #expect(LobbyServerMessage(LobbyFailure.additionFailed(afterID: 7)) == .additionFailed(afterID: 7))
        #expect(LobbyServerMessage(LobbyFailure.updateFailed(id: 7)) == .updateFailed(id: 7))
        #expect(LobbyServerMessage(LobbyFailure.removalFailed(id: 7)) == .removalFailed(id: 7))
        #expect(LobbyServerMessage(LobbyFailure.invalid(reason: "r")) == .invalidMessage(reason: "r"))
    }

    @Test func composesIntoALargerDocument() {
        var w = JSONWriter()
        w.beginArray()
        LobbyServerMessage.loginFailed.write(to: &w)
        LobbyServerMessage.tableRemoved(id: 2).write(to: &w)
        w.endArray()
        #expect(
            String(decoding: w.bytes, as: UTF8.self) == #"[{"$type":"login_failed"},{"$type":"table_removed","id":2}]"#)
    }

    @Test func namesCannotCarryMarkupToHTMLClients() {
        let hostile = LobbyTable(id: 5, name: "<img src=x onerror=alert(1)>&", participants: 1)
        #expect(
            LobbyServerMessage.tableUpdated(table: hostile).jsonText
                == #"{"$type":"table_updated","table":{"id":5,"name":"\u003cimg src=x onerror=alert(1)\u003e\u0026","participants":1}}"#
        )
        #expect(!String(decoding: hostile.jsonBytes, as: UTF8.self).contains("<"))
    }
}
