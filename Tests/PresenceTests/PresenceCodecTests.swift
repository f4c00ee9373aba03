import Presence
import Testing
import Wire

@Suite struct PresenceCodecTests {
    let user = PresenceUserID("7")!

    @Test func commandGoldenBytes() throws {
        let ping = PresenceCommand.ping(user: user, status: .busy)
        #expect(ping.encoded() == [0x01, 0x00, 0x01, 0x37, 0x02])
        #expect(PresenceCommand.clear.encoded() == [0x02])
        #expect(PresenceCommand.snapshot.encoded() == [0x03])
        for command in [ping, .ping(user: user, status: .available), .clear, .snapshot] {
            #expect(try PresenceCommand(decoding: command.encoded()) == command)
        }
    }

    @Test func replyAndEventGoldenBytes() throws {
        let entry = PresenceEntry(user: user, status: .away, time: 0x0102)
        let snapshot = PresenceReply.snapshot(sequence: 5, entries: [entry])
        #expect(
            snapshot.encoded() == [0x03] + [0, 0, 0, 0, 0, 0, 0, 5] + [0, 0, 0, 1] + [0x00, 0x01, 0x37, 0x03]
                + [0, 0, 0, 0, 0, 0, 0x01, 0x02])
        for reply in [PresenceReply.pinged, .cleared, snapshot, .snapshot(sequence: 0, entries: [])] {
            #expect(try PresenceReply(decoding: reply.encoded()) == reply)
        }
        let changes: [PresenceChange] = [.upsert(entry), .remove(PresenceUserID("x")!)]
        let body = PresenceEvent.encode(changes)
        #expect(
            body == [0, 0, 0, 2] + [0x01, 0x00, 0x01, 0x37, 0x03, 0, 0, 0, 0, 0, 0, 0x01, 0x02] + [
                0x02, 0x00, 0x01, 0x78,
            ])
        #expect(try PresenceEvent.decode(body) == changes)
    }

    @Test func rejectsMalformedBodies() {
        #expect(throws: WireError.self) { try PresenceCommand(decoding: []) }
        #expect(throws: WireError.self) { try PresenceCommand(decoding: [0x09]) }
        // A ping cannot say away, nor carry an empty id or an unknown status.
        #expect(throws: WireError.self) { try PresenceCommand(decoding: [0x01, 0x00, 0x01, 0x37, 0x03]) }
        #expect(throws: WireError.self) { try PresenceCommand(decoding: [0x01, 0x00, 0x00, 0x01]) }
        #expect(throws: WireError.self) { try PresenceCommand(decoding: [0x01, 0x00, 0x01, 0x37, 0x09]) }
        #expect(throws: WireError.self) { try PresenceCommand(decoding: [0x02, 0x00]) }
        #expect(throws: WireError.self) { try PresenceReply(decoding: [0x03, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1]) }
        #expect(throws: WireError.self) { try PresenceEvent.decode([0, 0, 0, 1, 0x07]) }
        #expect(throws: WireError.self) { try PresenceEvent.decode([0, 0, 0, 0, 0]) }
    }

    @Test func eventEnvelopeGoldenBytes() throws {
        let envelope = Envelope(
            kind: .event, product: .presence, partition: 2, epoch: 3, correlation: 0, sequence: 9, origin: "w1")
        let bytes = envelope.encoded()
        #expect(Array(bytes.prefix(6)) == [0x53, 0x59, 0x01, 0x08, 0x03, 0x00])
        #expect(try Envelope(decoding: bytes) == envelope)
        #expect(Envelope.eventTopic(for: .presence) == Array("E/3/".utf8))
    }
}
