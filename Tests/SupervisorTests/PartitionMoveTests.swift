import Supervisor
import Testing
import Wire

/// The supervisor's side of partition moves (docs/protocol.md §5.4): release, grant, removal.
@Suite struct PartitionMoveTests {
    func registry(workers: Int, partitions: Int) -> ProcessRegistry {
        let registry = ProcessRegistry(
            spec: FleetSpec(
                partitionCount: partitions, workerIDs: (1...workers).map { "w\($0)" }, gateways: [],
                dataDirectory: "/tmp/x", controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0,
                executable: "/bin/false"))
        for n in 1...workers { up(registry, "w\(n)", identity: UInt8(n)) }
        return registry
    }

    func up(_ registry: ProcessRegistry, _ id: String, identity: UInt8) {
        _ = registry.hello(
            from: id, identity: [identity],
            HelloMessage(role: .worker, pid: UInt32(identity), commandEndpoint: "c\(id)", publishEndpoint: "p\(id)"))
    }

    func beat(_ registry: ProcessRegistry, _ id: String, identity: UInt8, epoch: UInt64, held: [UInt16]) {
        _ = registry.heartbeat(
            from: id, identity: [identity], knownEpoch: epoch, HeartbeatMessage(ready: true, heldPartitions: held))
    }

    func partitions(_ registry: ProcessRegistry) -> [String: [UInt16]] {
        Dictionary(uniqueKeysWithValues: registry.map.workers.map { ($0.id, $0.partitions) })
    }

    @Test func aNewWorkerGetsPartitionsOnlyAfterTheOldOwnerClosedThem() throws {
        let r = registry(workers: 1, partitions: 4)
        #expect(try r.addWorker(id: nil) == "w2")
        // Not running yet: nothing is planned.
        #expect(!r.reconcile().broadcast)
        #expect(r.snapshot.rebalancePending)
        up(r, "w2", identity: 2)
        let release = r.reconcile()
        #expect(release.broadcast)
        let releaseEpoch = r.epoch
        #expect(partitions(r) == ["w1": [0, 1], "w2": []])
        #expect(r.moves.map(\.partition) == [2, 3])
        // A heartbeat from before the release map, or one still holding the files, grants nothing.
        beat(r, "w1", identity: 1, epoch: releaseEpoch - 1, held: [0, 1])
        #expect(!r.reconcile().broadcast)
        beat(r, "w1", identity: 1, epoch: releaseEpoch, held: [0, 1, 3])
        let partial = r.reconcile()
        #expect(partial.finished.map(\.0.partition) == [2])
        #expect(partitions(r) == ["w1": [0, 1], "w2": [2]])
        #expect(r.epoch == releaseEpoch + 1)
        beat(r, "w1", identity: 1, epoch: r.epoch, held: [0, 1])
        #expect(r.reconcile().broadcast)
        #expect(partitions(r) == ["w1": [0, 1], "w2": [2, 3]])
        #expect(r.moves.isEmpty && !r.snapshot.rebalancePending)
        #expect(r.snapshot.moveStatistics.finished == 2)
    }

    @Test func anExitedOldOwnerReleasesItsPartitions() throws {
        let r = registry(workers: 1, partitions: 2)
        _ = try r.addWorker(id: "w2")
        up(r, "w2", identity: 2)
        _ = r.reconcile()
        #expect(r.moves.count == 1)
        r.exited("w1", final: false)
        #expect(r.reconcile().finished.count == 1)
        #expect(partitions(r) == ["w1": [0], "w2": [1]])
    }

    @Test func aRemovedWorkerGivesEverythingAwayAndIsThenStoppedAndForgotten() throws {
        let r = registry(workers: 2, partitions: 4)
        try r.removeWorker(id: "w1")
        #expect(r.reconcile().broadcast)
        #expect(r.reconcile().stop.isEmpty)
        beat(r, "w1", identity: 1, epoch: r.epoch, held: [])
        let step = r.reconcile()
        #expect(step.finished.count == 2)
        #expect(partitions(r)["w2"] == [0, 1, 2, 3])
        #expect(r.reconcile().stop == ["w1"])
        r.exited("w1", final: true)
        r.forget("w1")
        #expect(r.map.workers.map(\.id) == ["w2"])
        #expect(r.records.map(\.id) == ["w2"])
        // Restarted with a command line that still names w1, the supervisor does not bring it back.
        #expect(r.savedState.removed == ["w1"])
        let restarted = ProcessRegistry(
            spec: FleetSpec(
                partitionCount: 4, workerIDs: ["w1", "w2"], gateways: [], dataDirectory: "/tmp/x",
                controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0, executable: "/bin/false"),
            saved: r.savedState)
        #expect(restarted.records.map(\.id) == ["w2"] && !restarted.snapshot.rebalancePending)
    }

    @Test func refusedChanges() throws {
        let r = registry(workers: 1, partitions: 2)
        #expect(throws: ProcessRegistry.ChangeError.self) { try r.removeWorker(id: "w1") }
        #expect(throws: ProcessRegistry.ChangeError.self) { try r.removeWorker(id: "w7") }
        #expect(throws: ProcessRegistry.ChangeError.self) { try r.addWorker(id: "w1") }
        #expect(throws: ProcessRegistry.ChangeError.self) { try r.addWorker(id: "no spaces") }
        // forget only drops a leaving worker.
        r.forget("w1")
        #expect(r.records.map(\.id) == ["w1"])
    }

    @Test func aSilentProcessIsMarkedOnceAndOnlyForItsCurrentPid() {
        let r = registry(workers: 1, partitions: 1)
        // Only a pid the supervisor started counts (its hello said pid 1 too).
        #expect(!r.markUnresponsive("w1", pid: 1))
        r.launched("w1", pid: 1)
        #expect(!r.markUnresponsive("w1", pid: 99))
        #expect(r.markUnresponsive("w1", pid: 1))
        #expect(!r.markUnresponsive("w1", pid: 1))
    }
}
