import Foundation
import Supervisor
import Testing
import Wire

/// The fleet directory driven as a value: events at given times in, what they call for out — no lock, no clock.
@Suite struct FleetDirectoryTests {
    let t0 = ContinuousClock.now
    let date = Date(timeIntervalSince1970: 1_800_000_000)

    func spec(workers: [String], partitions: Int, placements: [String: String] = [:]) -> FleetSpec {
        var spec = FleetSpec(
            partitionCount: partitions, workerIDs: workers, gateways: [], dataDirectory: "/tmp/x",
            controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0, executable: "/bin/false")
        spec.placements = placements.mapValues { FleetSpec.Placement(host: $0) }
        return spec
    }

    func hello(_ id: String) -> HelloMessage {
        HelloMessage(role: .worker, pid: 7, commandEndpoint: "tcp://\(id):1", publishEndpoint: "tcp://\(id):2")
    }

    func owners(_ directory: FleetDirectory) -> [String: [UInt16]] {
        Dictionary(uniqueKeysWithValues: directory.map.workers.map { ($0.id, $0.partitions) })
    }

    @Test func aWorkerThatJoinsTakesItsShareOnceTheOldOwnerClosedTheFiles() throws {
        var fleet = FleetDirectory(spec: spec(workers: ["w1"], partitions: 4), now: t0)
        #expect(fleet.hello(from: "w1", identity: [1], hello("w1"), now: t0, date: date) != nil)
        #expect(try fleet.addWorker(id: nil) == "w2")
        // Nothing is planned while the newcomer is not running.
        #expect(!fleet.reconcile(now: t0).broadcast && fleet.rebalancePending)
        // Its hello changes the map (new endpoints): every known identity gets it.
        let joined = fleet.hello(from: "w2", identity: [2], hello("w2"), now: t0, date: date)
        #expect(joined?.1.count == 2)
        let plan = fleet.reconcile(now: t0 + .milliseconds(5))
        #expect(plan.broadcast && fleet.moves.map(\.partition) == [2, 3])
        let release = fleet.epoch
        // The old owner still holds the files: no grant.
        let stale = fleet.heartbeat(
            from: "w1", identity: [1], knownEpoch: release,
            HeartbeatMessage(ready: true, heldPartitions: [0, 1, 2, 3]),
            now: t0 + .milliseconds(10), date: date)
        #expect(stale == .upToDate)
        #expect(fleet.reconcile(now: t0 + .milliseconds(10)).finished.isEmpty)
        // Closed: both granted, each move timed from its planning to the tick that granted it.
        _ = fleet.heartbeat(
            from: "w1", identity: [1], knownEpoch: release, HeartbeatMessage(ready: true, heldPartitions: [0, 1]),
            now: t0 + .milliseconds(40), date: date)
        let grant = fleet.reconcile(now: t0 + .milliseconds(45))
        #expect(grant.broadcast && grant.finished.map(\.1) == [.milliseconds(40), .milliseconds(40)])
        #expect(owners(fleet) == ["w1": [0, 1], "w2": [2, 3]] && fleet.epoch == release + 1)
        #expect(fleet.takeMoveDurations().count == 2 && fleet.takeMoveDurations().isEmpty)
    }

    @Test func aHeartbeatIsAnsweredByItsEpochAndOnlyFromTheCurrentIncarnation() {
        var fleet = FleetDirectory(spec: spec(workers: ["w1"], partitions: 2), now: t0)
        _ = fleet.hello(from: "w1", identity: [1], hello("w1"), now: t0, date: date)
        let beat = HeartbeatMessage(ready: true, heldPartitions: [0, 1])
        #expect(
            fleet.heartbeat(from: "w1", identity: [9], knownEpoch: fleet.epoch, beat, now: t0, date: date) == .ignored)
        #expect(fleet.heartbeat(from: "nobody", identity: [1], knownEpoch: 0, beat, now: t0, date: date) == .ignored)
        #expect(
            fleet.heartbeat(from: "w1", identity: [1], knownEpoch: 0, beat, now: t0, date: date) == .map(fleet.map))
        #expect(fleet.records.first?.lastHeartbeat == date && fleet.records.first?.lastHeartbeatAt == t0)
    }

    @Test func aWorkerOfAnotherHostSilentPastItsLeaseIsTakenAsGone() {
        var fleet = FleetDirectory(
            spec: spec(workers: ["w1", "w2"], partitions: 2, placements: ["w2": "far"]), now: t0)
        _ = fleet.hello(from: "w1", identity: [1], hello("w1"), now: t0, date: date)
        _ = fleet.hello(from: "w2", identity: [2], hello("w2"), now: t0, date: date)
        let epoch = fleet.epoch
        // Within the lease (10 s by default) nothing happens; past it the worker is exited and the map changes.
        #expect(!fleet.reconcile(now: t0 + .seconds(9)).broadcast)
        #expect(fleet.reconcile(now: t0 + .seconds(11)).broadcast)
        #expect(fleet.records.first { $0.id == "w2" }?.state == .exited && fleet.epoch > epoch)
        #expect(fleet.map.workers.first { $0.id == "w2" }?.commandEndpoint == "")
        // The local worker, just as silent, is not: the supervisor sees its process and kills it instead.
        #expect(fleet.records.first { $0.id == "w1" }?.state == .running)
    }

    @Test func refusedChangesSayWhyAndChangeNothing() {
        var fleet = FleetDirectory(spec: spec(workers: ["w1"], partitions: 2), now: t0)
        let epoch = fleet.epoch
        func reason(_ change: (inout FleetDirectory) throws(FleetDirectory.ChangeError) -> Void)
            -> FleetDirectory.ChangeError.Reason?
        {
            do throws(FleetDirectory.ChangeError) {
                try change(&fleet)
                return nil
            } catch { return error.reason }
        }
        #expect(reason { fleet throws(FleetDirectory.ChangeError) in _ = try fleet.addWorker(id: "w1") } == .exists)
        #expect(
            reason { fleet throws(FleetDirectory.ChangeError) in _ = try fleet.addWorker(id: "no spaces") }
                == .invalidID
        )
        #expect(
            reason { fleet throws(FleetDirectory.ChangeError) in try fleet.removeWorker(id: "w9") } == .unknownWorker)
        #expect(reason { fleet throws(FleetDirectory.ChangeError) in try fleet.removeWorker(id: "w1") } == .lastWorker)
        #expect(fleet.epoch == epoch && fleet.records.map(\.id) == ["w1"] && !fleet.rebalancePending)
    }
}
