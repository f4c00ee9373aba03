import Foundation
import Supervisor
import Testing
import Wire

/// A roll driven as a value over a fleet directory: one process at a time, workers hand their partitions over
/// first, a replacement that dies stops the roll and goes back to what it had.
@Suite struct FleetRollTests {
    let t0 = ContinuousClock.now
    let date = Date(timeIntervalSince1970: 1_800_000_000)

    /// w1 and w2 (two partitions each) and g1, all launched, said hello and ready.
    func fleet() -> FleetDirectory {
        var fleet = FleetDirectory(
            spec: FleetSpec(
                partitionCount: 4, workerIDs: ["w1", "w2"],
                gateways: [
                    .init(
                        id: "g1", listenHost: "127.0.0.1", stepsHTTPPort: 1, stepsWebSocketPort: 2, statsHTTPPort: 3,
                        presencePort: 4)
                ], dataDirectory: "/tmp/x", controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0,
                executable: "/old"), now: t0)
        for (n, id) in ["w1", "w2", "g1"].enumerated() { start(&fleet, id, pid: Int32(n + 1), executable: "/old") }
        return fleet
    }

    func start(_ fleet: inout FleetDirectory, _ id: String, pid: Int32, executable: String) {
        fleet.launched(id, pid: pid, executable: executable)
        let role: ProcessRole = id.hasPrefix("w") ? .worker : .gateway
        _ = fleet.hello(
            from: id, identity: [UInt8(pid)],
            HelloMessage(
                role: role, pid: UInt32(pid), commandEndpoint: role == .worker ? "c\(id)" : "",
                publishEndpoint: role == .worker ? "p\(id)" : ""), now: t0, date: date)
        beat(&fleet, id, pid: pid)
    }

    /// A ready heartbeat at the current epoch, holding exactly what the process owns.
    func beat(_ fleet: inout FleetDirectory, _ id: String, pid: Int32) {
        let held = fleet.records.first { $0.id == id }?.partitions ?? []
        _ = fleet.heartbeat(
            from: id, identity: [UInt8(pid)], knownEpoch: fleet.epoch,
            HeartbeatMessage(ready: true, heldPartitions: held), now: t0, date: date)
    }

    /// Runs the control loop until moves settle: plans, releases (each holder beats) and grants.
    func settle(_ fleet: inout FleetDirectory, pids: [String: Int32]) {
        for _ in 0..<6 {
            _ = fleet.reconcile(now: t0)
            for (id, pid) in pids { beat(&fleet, id, pid: pid) }
        }
    }

    func partitions(_ fleet: FleetDirectory, _ id: String) -> [UInt16] {
        fleet.records.first { $0.id == id }?.partitions ?? []
    }

    @Test func aWorkerHandsItsPartitionsOverIsReplacedAndTakesThemBackThenTheGatewayIsReplaced() {
        var fleet = fleet()
        var roll = FleetRoll(executable: "/new", ids: ["w1", "g1"])
        let step1 = roll.advance(fleet, now: t0)

        #expect(step1 == [.drain("w1")])
        let step2 = fleet.setDraining("w1", true)

        #expect(step2)
        // Not restarted while it still holds partitions.
        let step3 = roll.advance(fleet, now: t0)

        #expect(step3.isEmpty)
        settle(&fleet, pids: ["w1": 1, "w2": 2])
        #expect(partitions(fleet, "w1").isEmpty && partitions(fleet, "w2") == [0, 1, 2, 3])
        let step4 = roll.advance(fleet, now: t0)

        #expect(step4 == [.restart("w1", executable: "/new")])
        fleet.setExecutable("w1", "/new")
        _ = fleet.exited("w1", final: false)
        let step5 = roll.advance(fleet, now: t0)

        #expect(step5.isEmpty)
        start(&fleet, "w1", pid: 11, executable: "/new")
        let step6 = roll.advance(fleet, now: t0)

        #expect(step6 == [.undrain("w1")])
        let step7 = fleet.setDraining("w1", false)

        #expect(step7)
        let step8 = roll.advance(fleet, now: t0)

        #expect(step8.isEmpty)
        settle(&fleet, pids: ["w1": 11, "w2": 2])
        #expect(partitions(fleet, "w1").count == 2)
        let step9 = roll.advance(fleet, now: t0)

        #expect(step9.isEmpty && roll.done == ["w1"])
        // The gateway: restarted at once, done once its new incarnation serves.
        let step10 = roll.advance(fleet, now: t0)

        #expect(step10 == [.restart("g1", executable: "/new")])
        start(&fleet, "g1", pid: 13, executable: "/new")
        let step11 = roll.advance(fleet, now: t0)

        #expect(step11.isEmpty)
        #expect(roll.isFinished && roll.failure == nil && roll.done == ["w1", "g1"])
    }

    @Test func aReplacementThatExitsStopsTheRollAndGoesBack() {
        var fleet = fleet()
        fleet.setExecutable("g1", "/pinned")
        var roll = FleetRoll(executable: "/broken", ids: ["g1", "w1"])
        let step12 = roll.advance(fleet, now: t0)

        #expect(step12 == [.restart("g1", executable: "/broken")])
        fleet.setExecutable("g1", "/broken")
        _ = fleet.exited("g1", final: false)
        fleet.launched("g1", pid: 21, executable: "/broken")
        fleet.ended("g1", how: "exited(1)", lastError: "broken build", quickExits: 1)
        _ = fleet.exited("g1", final: false)
        let actions = roll.advance(fleet, now: t0 + .seconds(1))
        // Back to the executable it had; w1 is never touched.
        #expect(actions == [.restart("g1", executable: "/pinned")])
        #expect(roll.isFinished && roll.pending == ["w1"] && roll.done.isEmpty)
        #expect(roll.failure?.contains("broken build") == true)
        let step13 = roll.advance(fleet, now: t0 + .seconds(2))
        #expect(step13.isEmpty)
    }

    @Test func aReplacementThatNeverServesStopsTheRollAfterItsTimeAndTheWorkerTakesItsShareAgain() {
        var fleet = fleet()
        var roll = FleetRoll(executable: "/slow", ids: ["w2"])
        _ = roll.advance(fleet, now: t0)
        _ = fleet.setDraining("w2", true)
        settle(&fleet, pids: ["w1": 1, "w2": 2])
        _ = roll.advance(fleet, now: t0)
        fleet.launched("w2", pid: 22, executable: "/slow")
        let step14 = roll.advance(fleet, now: t0 + FleetRoll.healthyWithin)

        #expect(step14.isEmpty)
        let actions = roll.advance(fleet, now: t0 + FleetRoll.healthyWithin + .seconds(1))
        #expect(actions == [.restart("w2", executable: nil), .undrain("w2")])
        #expect(roll.failure?.contains("did not serve") == true)
    }

    @Test func aReplacedGatewayServesForThePauseBeforeTheNextGoesButTheLastOneEndsTheRollAtOnce() {
        var fleet = FleetDirectory(
            spec: FleetSpec(
                partitionCount: 2, workerIDs: ["w1"],
                gateways: ["g1", "g2"].map {
                    .init(
                        id: $0, listenHost: "127.0.0.1", stepsHTTPPort: 1, stepsWebSocketPort: 2, statsHTTPPort: 3,
                        presencePort: 4)
                }, dataDirectory: "/tmp/x", controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0,
                executable: "/old"), now: t0)
        for (n, id) in ["w1", "g1", "g2"].enumerated() { start(&fleet, id, pid: Int32(n + 1), executable: "/old") }
        var roll = FleetRoll(executable: "/new", ids: ["g1", "g2"], gatewayPause: .seconds(6))
        let first = roll.advance(fleet, now: t0)
        #expect(first == [.restart("g1", executable: "/new")])
        start(&fleet, "g1", pid: 12, executable: "/new")
        let serving = roll.advance(fleet, now: t0 + .seconds(1))
        #expect(serving.isEmpty && roll.current?.step == .settling(since: t0 + .seconds(1)))
        let early = roll.advance(fleet, now: t0 + .seconds(6))
        #expect(early.isEmpty && roll.done.isEmpty)
        _ = roll.advance(fleet, now: t0 + .seconds(7))
        let next = roll.advance(fleet, now: t0 + .seconds(7))
        #expect(roll.done == ["g1"] && next == [.restart("g2", executable: "/new")])
        start(&fleet, "g2", pid: 13, executable: "/new")
        _ = roll.advance(fleet, now: t0 + .seconds(8))
        #expect(roll.isFinished && roll.done == ["g1", "g2"])
    }
}
