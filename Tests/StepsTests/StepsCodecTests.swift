import Steps
import Testing
import Wire

@Suite struct StepsCodecTests {
    @Test func updateGoldenBytes() throws {
        let command = StepsCommand.update(StepsUpdate(updateID: "u", username: "ab", ts: 1, newSteps: 0.5))
        let expected: [UInt8] =
            [0x01, 0x00, 0x02, 0x61, 0x62, 0x00, 0x01, 0x75]
            + [0x3F, 0xF0, 0, 0, 0, 0, 0, 0]
            + [0x3F, 0xE0, 0, 0, 0, 0, 0, 0]
        #expect(command.encoded() == expected)
        #expect(try StepsCommand(decoding: expected) == command)
    }

    @Test func getGoldenBytes() throws {
        let command = StepsCommand.get(username: "é")
        #expect(command.encoded() == [0x02, 0x00, 0x02, 0xC3, 0xA9])
        #expect(try StepsCommand(decoding: command.encoded()) == command)
        #expect(command.username == "é")
    }

    @Test func replyGoldenBytesAndRoundTrip() throws {
        #expect(StepsReply.updated(duplicate: true).encoded() == [0x01, 0x01])
        #expect(StepsReply.user(nil).encoded() == [0x02, 0x00])
        let user = StepsReply.user(UserSteps(cumulativeSteps: 2, ts: 3, appliedCount: 4))
        #expect(
            user.encoded() == [
                0x02, 0x01, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4,
            ])
        for reply in [StepsReply.updated(duplicate: false), .updated(duplicate: true), .user(nil), user] {
            #expect(try StepsReply(decoding: reply.encoded()) == reply)
        }
    }

    @Test func rejectsMalformedBodies() {
        let good = StepsCommand.update(StepsUpdate(updateID: "u", username: "ab", ts: 1, newSteps: 1)).encoded()
        #expect(throws: WireError.self) { try StepsCommand(decoding: []) }
        #expect(throws: WireError.self) { try StepsCommand(decoding: [0x09]) }
        #expect(throws: WireError.self) { try StepsCommand(decoding: Array(good.dropLast())) }
        #expect(throws: WireError.self) { try StepsCommand(decoding: good + [0]) }
        // Negative newSteps never crosses the wire.
        var negative = good
        negative[good.count - 8] = 0xBF
        #expect(throws: WireError.self) { try StepsCommand(decoding: negative) }
        // A length prefix longer than the frame.
        #expect(throws: WireError.self) { try StepsCommand(decoding: [0x02, 0x00, 0x09, 0x61]) }
        #expect(throws: WireError.self) { try StepsReply(decoding: [0x01, 0x02]) }
        #expect(throws: WireError.self) { try StepsReply(decoding: [0x02, 0x01, 0x00]) }
        #expect(throws: WireError.self) { try StepsReply(decoding: [0x03]) }
    }
}
