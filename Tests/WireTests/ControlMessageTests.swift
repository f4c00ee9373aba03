import Testing
import Wire

@Suite struct ControlMessageTests {
    @Test func helloGoldenAndRoundTrip() throws {
        let hello = HelloMessage(role: .worker, pid: 0x01020304, commandEndpoint: "a", publishEndpoint: "bc")
        #expect(hello.encoded() == [0x02, 0x01, 0x02, 0x03, 0x04, 0x00, 0x01, 0x61, 0x00, 0x02, 0x62, 0x63])
        #expect(try HelloMessage(decoding: hello.encoded()) == hello)
        let gateway = HelloMessage(role: .gateway, pid: 9)
        #expect(try HelloMessage(decoding: gateway.encoded()) == gateway)
    }

    @Test func helloRejectsBadRoleAndTrailingBytes() {
        #expect(throws: WireError.self) { try HelloMessage(decoding: [0x09, 0, 0, 0, 1, 0, 0, 0, 0]) }
        let good = HelloMessage(role: .worker, pid: 1).encoded()
        #expect(throws: WireError.self) { try HelloMessage(decoding: good + [0]) }
        #expect(throws: WireError.self) { try HelloMessage(decoding: Array(good.dropLast())) }
    }

    @Test func heartbeatGoldenAndRoundTrip() throws {
        let beat = HeartbeatMessage(processed: 258, malformed: 1, dropped: 3, ready: true)
        #expect(beat.encoded() == [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 1])
        #expect(try HeartbeatMessage(decoding: beat.encoded()) == beat)
        #expect(try HeartbeatMessage(decoding: []).ready)
        var bad = beat.encoded()
        bad[24] = 2
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: bad) }
    }

    @Test func heartbeatLongFormGoldenAndRoundTrip() throws {
        let beat = HeartbeatMessage(ready: false, slowClientsClosed: 2, heldPartitions: [1, 513])
        let expected: [UInt8] =
            [UInt8](repeating: 0, count: 24) + [0] + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 2] + [0, 1, 2, 1] + [0, 0]
        #expect(beat.encoded() == expected)
        #expect(try HeartbeatMessage(decoding: expected) == beat)
        // A worker holding nothing still sends the long form: an empty list, not "unknown".
        let empty = HeartbeatMessage(ready: true, heldPartitions: [])
        #expect(try HeartbeatMessage(decoding: empty.encoded()).heldPartitions == [])
        #expect(try HeartbeatMessage(decoding: Array(expected.prefix(25))).heldPartitions == nil)
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: Array(expected.dropLast())) }
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: expected + [0]) }
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: Array(expected.prefix(30))) }
        let fetched = HeartbeatMessage(ready: true, heldPartitions: [4], fetchedPartitions: [4])
        #expect(Array(fetched.encoded().suffix(8)) == [0, 1, 0, 4, 0, 1, 0, 4])
        #expect(try HeartbeatMessage(decoding: fetched.encoded()) == fetched)
    }

    @Test func heartbeatEdgeCountersGoldenRoundTripAndUnknownCodes() throws {
        let beat = HeartbeatMessage(
            ready: true, heldPartitions: [], edge: [.headerTimeout: 3, .connectionRefused: 0x0102, .idleTimeout: 0])
        // Only non-zero counters travel, in code order: a count, then (code, UInt64) pairs.
        let tail: [UInt8] = [2] + [1, 0, 0, 0, 0, 0, 0, 0, 3] + [5, 0, 0, 0, 0, 0, 0, 1, 2]
        #expect(Array(beat.encoded().suffix(tail.count)) == tail)
        let decoded = try HeartbeatMessage(decoding: beat.encoded())
        #expect(decoded.edge == [.headerTimeout: 3, .connectionRefused: 0x0102])
        // A code this version does not know (from a newer gateway) is skipped, the rest still read.
        var newer = Array(beat.encoded().dropLast(tail.count))
        newer += [2] + [200, 0, 0, 0, 0, 0, 0, 0, 9] + [6, 0, 0, 0, 0, 0, 0, 0, 4]
        #expect(try HeartbeatMessage(decoding: newer).edge == [.unmaskedFrame: 4])
        // A count promising more pairs than there are is malformed.
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: Array(newer.dropLast())) }
        // Without counters the encoding is unchanged (older supervisors read it as before).
        #expect(HeartbeatMessage(ready: true, heldPartitions: []).encoded().count == 25 + 8 + 2 + 2)
    }

    @Test func heartbeatHistogramsGoldenRoundTripAndRules() throws {
        let sizes = HistogramCounts(
            buckets: [2] + Array(repeating: 0, count: Measure.transactionCommands.bucketCount - 1), sum: 2)
        let beat = HeartbeatMessage(
            ready: true, heldPartitions: [], histograms: [MeasureKey(.transactionCommands): sizes])
        // No counters: an empty counter list (0) in front of the histogram list.
        let entry: [UInt8] =
            [3, 0, 14] + [0, 0, 0, 0, 0, 0, 0, 2] + Array(repeating: 0, count: 13 * 8)
            + [0, 0, 0, 0, 0, 0, 0, 2]
        let tail: [UInt8] = [0, 1] + entry
        #expect(Array(beat.encoded().suffix(tail.count)) == tail)
        #expect(try HeartbeatMessage(decoding: beat.encoded()) == beat)
        let prefix = Array(beat.encoded().dropLast(tail.count))

        // Per-product measures carry their product; counters and histograms travel together.
        let replies = HistogramCounts(buckets: (0..<Measure.fleetReplyDuration.bucketCount).map { UInt64($0) }, sum: 99)
        let both = HeartbeatMessage(
            ready: true, heldPartitions: [], edge: [.stepsMessagesIn: 7],
            histograms: [
                MeasureKey(.fleetReplyDuration, product: .lobby): replies,
                MeasureKey(.syncDuration): sizes.with(
                    buckets: Array(repeating: 1, count: Measure.syncDuration.bucketCount)),
            ])
        #expect(try HeartbeatMessage(decoding: both.encoded()) == both)
        // An empty histogram does not travel.
        let empty = HeartbeatMessage(
            ready: true, heldPartitions: [],
            histograms: [
                MeasureKey(.commitDuration): HistogramCounts(
                    buckets: Array(repeating: 0, count: Measure.commitDuration.bucketCount), sum: 0)
            ])
        #expect(empty.encoded() == HeartbeatMessage(ready: true, heldPartitions: []).encoded())

        // A measure this version does not know is skipped by its bucket count; the rest is read.
        let unknown: [UInt8] = [200, 0, 2] + Array(repeating: 0, count: 3 * 8)
        let newer = prefix + [0, 2] + unknown + entry
        #expect(try HeartbeatMessage(decoding: newer) == beat)
        // Malformed: an empty list, a known measure with other buckets, a product where none belongs, none where
        // one does, a histogram twice, a truncated one, and an empty counter list with nothing after it.
        var wrongBuckets = entry
        wrongBuckets[2] = 13
        var perProductWithout: [UInt8] = [2, 0, 17] + Array(repeating: 0, count: 18 * 8)
        let malformed: [[UInt8]] = [
            prefix + [0, 0], prefix + [0, 1] + Array(wrongBuckets.dropLast(8)),
            prefix + [0, 1, 3, 1] + Array(entry.dropFirst(2)), prefix + [0, 1] + perProductWithout,
            prefix + [0, 2] + entry + entry, prefix + [0, 1] + Array(entry.dropLast()), prefix + [0],
        ]
        for bad in malformed {
            #expect(throws: WireError.self) { try HeartbeatMessage(decoding: bad) }
        }
        perProductWithout[1] = 1
        #expect(try HeartbeatMessage(decoding: prefix + [0, 1] + perProductWithout).histograms.count == 1)
        // A newer sender's additions after the histogram list (empty or not) are skipped (§5.8).
        #expect(try HeartbeatMessage(decoding: beat.encoded() + [7, 7, 7]) == beat)
        #expect(try HeartbeatMessage(decoding: prefix + [0, 0, 9]).histograms.isEmpty)
    }

    @Test func partitionMapGoldenAndRoundTrip() throws {
        let map = PartitionMap(
            epoch: 3, partitionCount: 4,
            workers: [
                .init(id: "w1", commandEndpoint: "c", publishEndpoint: "p", partitions: [0, 2]),
                .init(id: "w2", commandEndpoint: "", publishEndpoint: "", partitions: [1, 3]),
            ])
        let expected: [UInt8] =
            [0, 4, 0, 2]
            + [0, 2, 0x77, 0x31, 0, 1, 0x63, 0, 1, 0x70, 0, 2, 0, 0, 0, 2]
            + [0, 2, 0x77, 0x32, 0, 0, 0, 0, 0, 2, 0, 1, 0, 3]
            + [0, 0]
        #expect(map.encoded() == expected)
        #expect(try PartitionMap(decoding: expected, epoch: 3) == map)
        #expect(map.owner(of: 2)?.id == "w1")
        #expect(map.ownerTable() == [0, 1, 0, 1])
        #expect(map.workers[0].isReachable && !map.workers[1].isReachable)
    }

    @Test func partitionMapTransfersGoldenAndRoundTrip() throws {
        let map = PartitionMap(
            epoch: 9, partitionCount: 4,
            workers: [.init(id: "w1", commandEndpoint: "c", publishEndpoint: "p", partitions: [3])],
            transfers: [3: "e", 1: "f"])
        let expected: [UInt8] =
            [0, 4, 0, 1] + [0, 2, 0x77, 0x31, 0, 1, 0x63, 0, 1, 0x70, 0, 1, 0, 3]
            + [0, 2] + [0, 1, 0, 1, 0x66] + [0, 3, 0, 1, 0x65]
        #expect(map.encoded() == expected)
        #expect(try PartitionMap(decoding: expected, epoch: 9) == map)
        // A transfer twice, or of a partition outside the count, is refused.
        let twice = Array(expected.dropLast(10)) + [0, 2] + [0, 1, 0, 1, 0x66] + [0, 1, 0, 1, 0x65]
        #expect(throws: WireError.self) { try PartitionMap(decoding: twice, epoch: 9) }
        let outside = Array(expected.dropLast(12)) + [0, 1] + [0, 9, 0, 1, 0x66]
        #expect(throws: WireError.self) { try PartitionMap(decoding: outside, epoch: 9) }
    }

    @Test func partitionMapKeysGoldenAndRoundTrip() throws {
        let w1Key = String(repeating: "a", count: 40)
        let g1Key = String(repeating: "b", count: 40)
        let map = PartitionMap(
            epoch: 2, partitionCount: 1,
            workers: [.init(id: "w1", commandEndpoint: "c", publishEndpoint: "p", partitions: [0])],
            keys: ["w1": w1Key, "g1": g1Key])
        let entry: [UInt8] = [0, 2, 0x77, 0x31, 0, 1, 0x63, 0, 1, 0x70, 0, 1, 0, 0]
        let keyList: [UInt8] =
            [0, 2] + [0, 2, 0x67, 0x31, 0, 40] + Array(g1Key.utf8) + [0, 2, 0x77, 0x31, 0, 40] + Array(w1Key.utf8)
        let expected: [UInt8] = [0, 1, 0, 1] + entry + [0, 0] + keyList
        #expect(map.encoded() == expected)
        #expect(try PartitionMap(decoding: expected, epoch: 2) == map)
        // Without keys the section is absent: the earlier form, which a newer receiver still reads.
        var keyless = map
        keyless.keys = [:]
        #expect(keyless.encoded() == Array(expected.prefix(4 + entry.count + 2)))
        // A key that is not 40 characters, a process twice, an empty list or a bad id is refused.
        let short = Array(expected.dropLast(1))
        #expect(throws: WireError.self) { try PartitionMap(decoding: short, epoch: 2) }
        let twice =
            Array(expected.prefix(4 + entry.count + 2)) + [0, 2] + [0, 2, 0x77, 0x31, 0, 40] + Array(w1Key.utf8)
            + [0, 2, 0x77, 0x31, 0, 40] + Array(w1Key.utf8)
        #expect(throws: WireError.self) { try PartitionMap(decoding: twice, epoch: 2) }
        #expect(throws: WireError.self) {
            try PartitionMap(decoding: Array(expected.prefix(4 + entry.count + 2)) + [0, 0], epoch: 2)
        }
        let badID = Array(expected.prefix(4 + entry.count + 2)) + [0, 1] + [0, 1, 0x20, 0, 40] + Array(w1Key.utf8)
        #expect(throws: WireError.self) { try PartitionMap(decoding: badID, epoch: 2) }
    }

    @Test func fetchAndChunkGoldenAndRoundTrip() throws {
        let fetch = FetchRequest(offset: 258)
        #expect(fetch.encoded() == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(try FetchRequest(decoding: fetch.encoded()) == fetch)
        #expect(throws: WireError.self) { try FetchRequest(decoding: [0, 0, 0]) }
        let digest = [UInt8](0..<32)
        let chunk = FileChunk(status: .ok, offset: 2, total: 5, digest: digest, bytes: [7, 8, 9])
        let expected: [UInt8] = [0] + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 5] + digest + [7, 8, 9]
        #expect(chunk.encoded() == expected)
        #expect(try FileChunk(decoding: expected) == chunk)
        // Past the end of the snapshot, or an unknown status: refused.
        #expect(throws: WireError.self) { try FileChunk(decoding: expected + [10]) }
        var unknown = expected
        unknown[0] = 9
        #expect(throws: WireError.self) { try FileChunk(decoding: unknown) }
        let busy = FileChunk(status: .busy)
        #expect(try FileChunk(decoding: busy.encoded()) == busy)
    }

    @Test func partitionMapRejectsDoubleOwnershipAndOutOfRange() {
        let twice = PartitionMap(
            epoch: 1, partitionCount: 2,
            workers: [
                .init(id: "w1", commandEndpoint: "", publishEndpoint: "", partitions: [0]),
                .init(id: "w2", commandEndpoint: "", publishEndpoint: "", partitions: [0]),
            ])
        #expect(throws: WireError.self) { try PartitionMap(decoding: twice.encoded(), epoch: 1) }
        let outside = PartitionMap(
            epoch: 1, partitionCount: 2,
            workers: [.init(id: "w1", commandEndpoint: "", publishEndpoint: "", partitions: [5])])
        #expect(throws: WireError.self) { try PartitionMap(decoding: outside.encoded(), epoch: 1) }
        #expect(throws: WireError.self) { try PartitionMap(decoding: [0, 0, 0, 0], epoch: 1) }
    }

    @Test func roundRobinDealsEveryPartitionOnce() {
        let deal = PartitionMap.roundRobin(partitionCount: 64, workerIDs: ["w1", "w2", "w3"])
        let all = deal.values.flatMap { $0 }.sorted()
        #expect(all == (0..<64).map { UInt16($0) })
        #expect(deal["w1"]!.count == 22 && deal["w2"]!.count == 21 && deal["w3"]!.count == 21)
    }
}

extension HistogramCounts {
    fileprivate func with(buckets: [UInt64]) -> HistogramCounts { HistogramCounts(buckets: buckets, sum: sum) }
}
