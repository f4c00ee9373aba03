import Testing
import Wire

@Suite struct EnvelopeTests {
    let sample = Envelope(
        kind: .command, product: .steps, status: .ok, partition: 0x0102, epoch: 0x0304, correlation: 0x0506,
        sequence: 7, origin: "g1")

    @Test func goldenBytes() {
        let expected: [UInt8] =
            [0x53, 0x59, 0x01, 0x01, 0x01, 0x00, 0x01, 0x02]
            + [0, 0, 0, 0, 0, 0, 0x03, 0x04]
            + [0, 0, 0, 0, 0, 0, 0x05, 0x06]
            + [0, 0, 0, 0, 0, 0, 0, 0x07]
            + [0x02, 0x67, 0x31]
        #expect(sample.encoded() == expected)
        #expect(sample.encoded().count == WireConstants.fixedHeaderSize + 2)
    }

    @Test func roundTripEveryKindProductAndStatus() throws {
        for kind in MessageKind.allCases {
            for product in ProductCode.allCases {
                for status in ReplyStatus.allCases {
                    let e = Envelope(
                        kind: kind, product: product, status: status, partition: .max, epoch: .max,
                        correlation: .max - 1, sequence: 42, origin: "worker-7.a_b")
                    #expect(try Envelope(decoding: e.encoded()) == e)
                }
            }
        }
    }

    @Test func replyKeepsCorrelationProductAndPartition() {
        let reply = sample.reply(status: .notOwner, epoch: 9, origin: "w2")
        #expect(reply.kind == .reply)
        #expect(reply.correlation == sample.correlation)
        #expect(reply.partition == sample.partition)
        #expect(reply.product == .steps)
        #expect(reply.status == .notOwner)
        #expect(reply.epoch == 9)
        #expect(reply.origin == "w2")
    }

    private func rejects(_ bytes: [UInt8], _ code: WireError.Code) {
        #expect(throws: WireError.self) { try Envelope(decoding: bytes) }
        do {
            _ = try Envelope(decoding: bytes)
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test func rejectsMalformedHeaders() {
        let good = sample.encoded()
        rejects([], .truncated)
        rejects(Array(good.prefix(20)), .truncated)
        var bad = good
        bad[0] = 0x58
        rejects(bad, .badMagic)
        bad = good
        bad[2] = 2
        rejects(bad, .unsupportedVersion)
        bad = good
        bad[3] = 0
        rejects(bad, .unknownKind)
        bad = good
        bad[3] = 99
        rejects(bad, .unknownKind)
        bad = good
        bad[4] = 9
        rejects(bad, .unknownProduct)
        bad = good
        bad[5] = 9
        rejects(bad, .unknownStatus)
        bad = good
        bad[32] = 0
        rejects(Array(bad.prefix(33)), .badOrigin)
        bad = good
        bad[32] = 3
        rejects(bad, .badLength)
        rejects(good + [0x00], .badLength)
        bad = good
        bad[33] = 0x2F  // "/" would break reply topics
        rejects(bad, .badOrigin)
        bad = good
        bad[33] = 0xFF
        rejects(bad, .badOrigin)
    }

    @Test func originRules() {
        #expect(Envelope.isValidOrigin("g1"))
        #expect(Envelope.isValidOrigin(String(repeating: "a", count: 64)))
        #expect(!Envelope.isValidOrigin(String(repeating: "a", count: 65)))
        #expect(!Envelope.isValidOrigin(""))
        #expect(!Envelope.isValidOrigin("g 1"))
        #expect(!Envelope.isValidOrigin("g/1"))
    }

    @Test func replyTopicIsDelimited() {
        #expect(Envelope.replyTopic(for: "g1") == Array("R/g1/".utf8))
        // A subscription to g1's topic must not match g10's replies.
        let g10 = Envelope.replyTopic(for: "g10")
        #expect(!g10.starts(with: Envelope.replyTopic(for: "g1")))
    }

    @Test func wireMessageFrameCount() throws {
        let m = WireMessage(sample, body: [1, 2, 3])
        #expect(try WireMessage(frames: m.frames) == m)
        #expect(try WireMessage(frames: [[0xAA]] + m.frames, routingFrames: 1) == m)
        #expect(throws: WireError.self) { try WireMessage(frames: m.frames + [[]]) }
        #expect(throws: WireError.self) { try WireMessage(frames: [m.frames[0]]) }
    }
}
