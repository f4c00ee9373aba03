import Lobby
import Testing
import Wire

/// Golden bytes and round trips of the lobby's inter-process bodies.
@Suite struct LobbyWireTests {
    let table = LobbyTable(id: 3, name: "ab", participants: 9)
    /// `table` on the wire: `i64 id | str name | i64 participants`.
    let tableBytes: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 3] + [0x00, 0x02, 0x61, 0x62] + [0, 0, 0, 0, 0, 0, 0, 9]
    let minusOne: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    @Test func commandGoldenBytes() throws {
        let hash = try LobbyPassword(hashing: "admin", salt: Array(0..<16), iterations: 2)
        let stored = Array(hash.stored.utf8)
        let cases: [(LobbyCommand, [UInt8])] = [
            (.list, [0x01]),
            (
                .add(afterID: -1, name: "ab", participants: 9),
                [0x02] + minusOne + [0x00, 0x02, 0x61, 0x62] + [0, 0, 0, 0, 0, 0, 0, 9]
            ),
            (.update(table), [0x03] + tableBytes),
            (.remove(id: 0x0102), [0x04, 0, 0, 0, 0, 0, 0, 0x01, 0x02]),
            (.authenticate(username: "u", password: "pw"), [0x05, 0x00, 0x01, 0x75, 0x00, 0x02, 0x70, 0x77]),
            (.credentials(username: "u"), [0x07, 0x00, 0x01, 0x75]),
            (
                .setUser(username: "u", passwordHash: hash, type: .user),
                [0x06, 0x00, 0x01, 0x75, 0x00, UInt8(stored.count)] + stored + [0x02]
            ),
            (
                .setUser(username: "u", passwordHash: hash, type: .admin),
                [0x06, 0x00, 0x01, 0x75, 0x00, UInt8(stored.count)] + stored + [0x01]
            ),
        ]
        for (command, bytes) in cases {
            #expect(command.encoded() == bytes)
            #expect(try LobbyCommand(decoding: bytes) == command)
        }
    }

    @Test func replyGoldenBytes() throws {
        let hash = try LobbyPassword(hashing: "admin", salt: Array(0..<16), iterations: 2)
        let stored = Array(hash.stored.utf8)
        let cases: [(LobbyReply, [UInt8])] = [
            (.tables(sequence: 5, tables: [table]), [0x01, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1] + tableBytes),
            (.tables(sequence: 0, tables: []), [0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (
                .changed(sequence: 7, event: .tableRemoved(id: 3)),
                [0x02, 0, 0, 0, 0, 0, 0, 0, 7, 0x03, 0, 0, 0, 0, 0, 0, 0, 3]
            ),
            (
                .changed(sequence: 8, event: .tableAdded(afterID: -1, table: table)),
                [0x02, 0, 0, 0, 0, 0, 0, 0, 8, 0x01] + minusOne + tableBytes
            ),
            (.failed(.additionFailed(afterID: -1)), [0x03, 0x01] + minusOne),
            (.failed(.updateFailed(id: 3)), [0x03, 0x02, 0, 0, 0, 0, 0, 0, 0, 3]),
            (.failed(.removalFailed(id: 3)), [0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 3]),
            (.failed(.invalid(reason: "r")), [0x03, 0x04, 0x00, 0x01, 0x72]),
            (.authenticated(nil), [0x04, 0x00]),
            (.authenticated(.admin), [0x04, 0x01]),
            (.authenticated(.user), [0x04, 0x02]),
            (.userSet, [0x05]),
            (.credentials(nil), [0x06, 0x00]),
            (
                .credentials(LobbyUser(username: "u", password: hash, type: .user)),
                [0x06, 0x02, 0x00, 0x01, 0x75, 0x00, UInt8(stored.count)] + stored
            ),
        ]
        for (reply, bytes) in cases {
            #expect(reply.encoded() == bytes)
            #expect(try LobbyReply(decoding: bytes) == reply)
        }
    }

    @Test func eventGoldenBytes() throws {
        let cases: [(LobbyEvent, [UInt8])] = [
            (.tableAdded(afterID: 1, table: table), [0x01, 0, 0, 0, 0, 0, 0, 0, 1] + tableBytes),
            (.tableAdded(afterID: -1, table: table), [0x01] + minusOne + tableBytes),
            (.tableUpdated(table: table), [0x02] + tableBytes),
            (.tableRemoved(id: 1), [0x03, 0, 0, 0, 0, 0, 0, 0, 1]),
        ]
        for (event, bytes) in cases {
            #expect(LobbyEventBody.encode(event) == bytes)
            #expect(try LobbyEventBody.decode(bytes) == event)
        }
        let unicode = LobbyEvent.tableUpdated(table: LobbyTable(id: 1 << 53, name: "é😀", participants: 1_000_000_000))
        #expect(try LobbyEventBody.decode(LobbyEventBody.encode(unicode)) == unicode)
    }

    @Test func rejectsMalformedBodies() {
        // Empty, unknown tags, truncated fields and trailing bytes.
        #expect(throws: WireError.self) { try LobbyCommand(decoding: []) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: [0x07]) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: [0x01, 0x00]) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: [0x04, 0, 0, 0]) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: [0x03] + tableBytes.dropLast()) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: [0x05, 0x00, 0x01, 0xFF, 0x00, 0x00]) }
        // A set-user hash must be a stored password string, and the type 1 or 2.
        let bogus = Array("plain".utf8)
        #expect(throws: WireError.self) {
            try LobbyCommand(decoding: [0x06, 0x00, 0x01, 0x75, 0x00, UInt8(bogus.count)] + bogus + [0x01])
        }
        let setUser = LobbyCommand.setUser(
            username: "u", passwordHash: try! LobbyPassword(hashing: "p", salt: [1], iterations: 1), type: .admin
        ).encoded()
        #expect(throws: WireError.self) { try LobbyCommand(decoding: setUser.dropLast() + [0x03]) }
        #expect(throws: WireError.self) { try LobbyCommand(decoding: setUser.dropLast()) }
        #expect(throws: WireError.self) { try LobbyReply(decoding: []) }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x06]) }
        #expect(throws: WireError.self) {
            try LobbyReply(decoding: [0x01, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2] + tableBytes)
        }
        #expect(throws: WireError.self) {
            try LobbyReply(decoding: [0x01, 0, 0, 0, 0, 0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF])
        }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x02, 0, 0, 0, 0, 0, 0, 0, 7]) }
        #expect(throws: WireError.self) {
            try LobbyReply(decoding: [0x02, 0, 0, 0, 0, 0, 0, 0, 7, 0x03, 0, 0, 0, 0, 0, 0, 0, 3, 0])
        }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 1]) }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x04, 0x03]) }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x04]) }
        #expect(throws: WireError.self) { try LobbyReply(decoding: [0x05, 0x00]) }
        #expect(throws: WireError.self) { try LobbyEventBody.decode([]) }
        #expect(throws: WireError.self) { try LobbyEventBody.decode([0x04]) }
        #expect(throws: WireError.self) { try LobbyEventBody.decode([0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0]) }
        #expect(throws: WireError.self) { try LobbyEventBody.decode([0x02] + tableBytes.dropLast()) }
    }
}
