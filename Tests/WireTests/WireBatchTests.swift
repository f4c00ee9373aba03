import Testing
import Wire

@Suite struct WireBatchTests {
    func command(_ n: UInt64, body: [UInt8] = [1, 2, 3]) -> WireMessage {
        WireMessage(
            Envelope(kind: .command, product: .steps, partition: UInt16(n % 7), epoch: 3, correlation: n, origin: "g1"),
            body: body)
    }

    @Test func packedMessagesComeBackInOrder() throws {
        let messages =
            (1...5).map { command($0, body: Array(repeating: UInt8($0), count: Int($0) * 3)) }
            + [WireMessage(Envelope(kind: .ping, origin: "g1"))]
        let batch = WireBatch.pack(messages, origin: "g1")
        #expect(batch.envelope.kind == .batch)
        let decoded = try WireMessage(frames: batch.frames)
        let (unpacked, errors) = WireBatch.unpack(decoded.body)
        #expect(errors.isEmpty)
        #expect(unpacked == messages)
    }

    @Test func aBrokenHeaderLosesOnlyItsMessage() {
        var second = command(2).envelope.encoded()
        second[2] = 9  // an unknown version
        var body: [UInt8] = []
        let parts: [([UInt8], UInt8)] = [
            (command(1).envelope.encoded(), 7), (second, 8), (command(3).envelope.encoded(), 9),
        ]
        for (header, payload) in parts { body += header + [0, 0, 0, 1, payload] }
        let (messages, errors) = WireBatch.unpack(body)
        #expect(messages.map(\.envelope.correlation) == [1, 3])
        #expect(messages.map(\.body) == [[7], [9]])
        #expect(errors.map(\.code) == [.unsupportedVersion])
    }

    @Test func aLengthPastTheEndStopsTheReading() {
        let good = WireBatch.pack([command(1)], origin: "g1").body
        let header = command(2).envelope.encoded()
        let (messages, errors) = WireBatch.unpack(good + header + [0, 0, 1, 0] + [1, 2])
        #expect(messages == [command(1)])
        #expect(errors.map(\.code) == [.truncated])
        // A header cut short, and a lone byte, are truncations too.
        #expect(WireBatch.unpack(good + Array(header.prefix(10))).errors.map(\.code) == [.truncated])
        #expect(WireBatch.unpack([0x53]).errors.map(\.code) == [.truncated])
    }

    @Test func controlMessagesAndNestedBatchesAreRefusedInside() {
        let hello = WireMessage(Envelope(kind: .hello, origin: "g1"), body: [1])
        let nested = WireBatch.pack([command(1)], origin: "g1")
        let (messages, errors) = WireBatch.unpack(WireBatch.pack([hello, command(2), nested], origin: "g1").body)
        #expect(messages == [command(2)])
        #expect(errors.map(\.code) == [.badValue, .badValue])
    }

    @Test func coalescingPacksRunsWithTheSameRoutingFramesAndKeepsOrder() throws {
        let topicA: [UInt8] = Array("R/g1/".utf8)
        let topicB: [UInt8] = Array("E/3/".utf8)
        func reply(_ n: UInt64) -> WireMessage {
            WireMessage(Envelope(kind: .reply, product: .steps, correlation: n, origin: "w1"), body: [UInt8(n)])
        }
        let queued: [[[UInt8]]] = [
            [topicA] + reply(1).frames, [topicA] + reply(2).frames, [topicB] + reply(3).frames,
            [topicA] + reply(4).frames, [topicA] + reply(5).frames, [topicA] + reply(6).frames,
            [topicA, [0xFF], [1]],  // not a wire message: sent as it is, and it ends the run
            [topicA] + reply(7).frames,
        ]
        let out = WireBatch.coalesce(queued, routingFrames: 1, origin: "w1")
        #expect(out.count == 5)
        #expect(out.map(\.first) == [topicA, topicB, topicA, topicA, topicA])
        var seen: [UInt64] = []
        for frames in out where frames.count == 3 {
            let message = try? WireMessage(frames: frames, routingFrames: 1)
            guard let message else { continue }
            if message.envelope.kind == .batch {
                seen += WireBatch.unpack(message.body).messages.map(\.envelope.correlation)
            } else {
                seen.append(message.envelope.correlation)
            }
        }
        #expect(seen == [1, 2, 3, 4, 5, 6, 7])
        // One message alone is left as it is.
        #expect(WireBatch.coalesce([queued[0]], routingFrames: 1, origin: "w1") == [queued[0]])
    }

    @Test func coalescingKeepsEachBatchWithinItsLimits() throws {
        let many = (1...2500).map { command(UInt64($0)).frames }
        let out = WireBatch.coalesce(many, routingFrames: 0, origin: "g1")
        let counts = try out.map { try WireBatch.unpack(WireMessage(frames: $0).body).messages.count }
        #expect(counts == [WireBatch.maxMessages, WireBatch.maxMessages, 2500 - 2 * WireBatch.maxMessages])
        let big = Array(repeating: UInt8(1), count: WireBatch.maxBodyBytes / 3)
        let large = (1...4).map { command(UInt64($0), body: big).frames }
        let packedLarge = WireBatch.coalesce(large, routingFrames: 0, origin: "g1")
        #expect(packedLarge.count == 2)
        #expect(packedLarge.allSatisfy { $0[1].count <= WireBatch.maxBodyBytes })
        // A message bigger than a batch may be goes alone, between batches.
        let huge = command(9, body: Array(repeating: 2, count: WireBatch.maxBodyBytes)).frames
        let around = WireBatch.coalesce([many[0], many[1], huge, many[2], many[3]], routingFrames: 0, origin: "g1")
        #expect(around.count == 3)
        #expect(around[1] == huge)
    }
}
