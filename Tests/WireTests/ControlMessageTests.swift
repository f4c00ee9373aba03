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
            [UInt8](repeating: 0, count: 24) + [0] + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 2] + [0, 1, 2, 1]
        #expect(beat.encoded() == expected)
        #expect(try HeartbeatMessage(decoding: expected) == beat)
        // A worker holding nothing still sends the long form: an empty list, not "unknown".
        let empty = HeartbeatMessage(ready: true, heldPartitions: [])
        #expect(try HeartbeatMessage(decoding: empty.encoded()).heldPartitions == [])
        #expect(try HeartbeatMessage(decoding: Array(expected.prefix(25))).heldPartitions == nil)
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: Array(expected.dropLast())) }
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: expected + [0]) }
        #expect(throws: WireError.self) { try HeartbeatMessage(decoding: Array(expected.prefix(30))) }
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
        #expect(map.encoded() == expected)
        #expect(try PartitionMap(decoding: expected, epoch: 3) == map)
        #expect(map.owner(of: 2)?.id == "w1")
        #expect(map.ownerTable() == [0, 1, 0, 1])
        #expect(map.workers[0].isReachable && !map.workers[1].isReachable)
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
