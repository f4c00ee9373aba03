import Stats
import Testing
import Wire

@Suite struct StatsCodecTests {
    let user = StatsID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
    let course = StatsID(high: 0, low: 0xFF)
    var session: StatsSession {
        StatsSession(sessionID: StatsID(high: 0, low: 1), totalModulesStudied: 3, averageScore: 2, timeStudied: 0.5)
    }

    @Test func recordGoldenBytes() throws {
        let command = StatsCommand.record(user: user, course: course, session: session)
        let expected: [UInt8] =
            [0x01] + Array(1...16)
            + Array(repeating: 0, count: 15) + [0xFF]
            + Array(repeating: 0, count: 15) + [0x01]
            + [0, 0, 0, 0, 0, 0, 0, 3]
            + [0x40, 0, 0, 0, 0, 0, 0, 0]
            + [0x3F, 0xE0, 0, 0, 0, 0, 0, 0]
        #expect(command.encoded() == expected)
        #expect(try StatsCommand(decoding: expected) == command)
        #expect(command.partitionKey == "01020304-0506-0708-090a-0b0c0d0e0f10")
    }

    @Test func readsGoldenBytesAndRoundTrip() throws {
        let get = StatsCommand.course(user: user, course: course)
        #expect(get.encoded() == [0x02] + Array(1...16) + Array(repeating: 0, count: 15) + [0xFF])
        let one = StatsCommand.session(user: user, course: course, session: StatsID(high: 0, low: 2))
        #expect(one.encoded().count == 49)
        #expect(one.encoded()[0] == 0x03)
        for command in [get, one] { #expect(try StatsCommand(decoding: command.encoded()) == command) }
    }

    @Test func replyGoldenBytesAndRoundTrip() throws {
        #expect(StatsReply.conflict.encoded() == [0x02])
        #expect(StatsReply.course(nil).encoded() == [0x03, 0x00])
        #expect(StatsReply.session(nil).encoded() == [0x04, 0x00])
        let course = StatsReply.course(
            CourseStats(sessions: 1, totalModulesStudied: 2, weightedScoreSum: 2, scoreSum: 1))
        #expect(
            course.encoded() == [0x03, 0x01] + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 2]
                + [0x40, 0, 0, 0, 0, 0, 0, 0] + [0x3F, 0xF0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0])
        for reply in [StatsReply.recorded(session), .conflict, .course(nil), course, .session(nil), .session(session)] {
            #expect(try StatsReply(decoding: reply.encoded()) == reply)
        }
    }

    @Test func rejectsMalformedBodies() {
        let good = StatsCommand.record(user: user, course: course, session: session).encoded()
        #expect(throws: WireError.self) { try StatsCommand(decoding: []) }
        #expect(throws: WireError.self) { try StatsCommand(decoding: [0x09] + good.dropFirst()) }
        #expect(throws: WireError.self) { try StatsCommand(decoding: Array(good.dropLast())) }
        #expect(throws: WireError.self) { try StatsCommand(decoding: good + [0]) }
        // A negative score never crosses the wire.
        var negative = good
        negative[good.count - 16] = 0xC0
        #expect(throws: WireError.self) { try StatsCommand(decoding: negative) }
        #expect(throws: WireError.self) { try StatsReply(decoding: [0x03, 0x02]) }
        #expect(throws: WireError.self) { try StatsReply(decoding: [0x02, 0x00]) }
        #expect(throws: WireError.self) { try StatsReply(decoding: [0x07]) }
        // A course with no session is never answered as found.
        #expect(throws: WireError.self) { try StatsReply(decoding: [0x03, 0x01] + Array(repeating: 0, count: 40)) }
    }
}
