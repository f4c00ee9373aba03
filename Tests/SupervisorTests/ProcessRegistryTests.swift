import Supervisor
import Testing
import Wire

@Suite struct ProcessRegistryTests {
    func spec(workers: Int = 2, partitions: Int = 8) -> FleetSpec {
        FleetSpec(
            partitionCount: partitions, workerIDs: (1...workers).map { "w\($0)" },
            gateways: [
                .init(
                    id: "g1", listenHost: "127.0.0.1", stepsHTTPPort: 1, stepsWebSocketPort: 2, statsHTTPPort: 3000,
                    presencePort: 3456)
            ],
            dataDirectory: "/tmp/x", controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0,
            executable: "/bin/false")
    }

    @Test func initialMapDealsEveryPartitionAndHasNoEndpoints() {
        let registry = ProcessRegistry(spec: spec())
        let map = registry.map
        #expect(map.epoch == 1)
        #expect(map.workers.map(\.id) == ["w1", "w2"])
        #expect(map.workers.flatMap(\.partitions).sorted() == (0..<8).map { UInt16($0) })
        #expect(map.workers.allSatisfy { !$0.isReachable })
        #expect(registry.records.map(\.id) == ["w1", "w2", "g1"])
    }

    @Test func theMapCarriesTheKeysAndAKeyChangeIsANewEpoch() {
        let registry = ProcessRegistry(spec: spec())
        let keys = ["w1": String(repeating: "a", count: 40), "g1": String(repeating: "b", count: 40)]
        #expect(registry.setKeys(keys))
        #expect(registry.map.keys == keys && registry.epoch == 2)
        // The same keys again are no change.
        #expect(!registry.setKeys(keys) && registry.epoch == 2)
        var rotated = keys
        rotated["w1"] = String(repeating: "c", count: 40)
        #expect(registry.setKeys(rotated) && registry.map.keys["w1"] == rotated["w1"] && registry.epoch == 3)
    }

    @Test func workerHelloBumpsTheEpochAndGoesToEveryone() throws {
        let registry = ProcessRegistry(spec: spec())
        let gatewayHello = try #require(
            registry.hello(from: "g1", identity: [1], HelloMessage(role: .gateway, pid: 10)))
        #expect(gatewayHello.0.epoch == 1 && gatewayHello.1 == [[1]])
        let workerHello = try #require(
            registry.hello(
                from: "w1", identity: [2],
                HelloMessage(role: .worker, pid: 11, commandEndpoint: "c", publishEndpoint: "p")))
        #expect(workerHello.0.epoch == 2)
        #expect(Set(workerHello.1) == [[1], [2]])
        #expect(workerHello.0.workers[0].isReachable)
        // The same endpoints again change nothing.
        let again = try #require(
            registry.hello(
                from: "w1", identity: [2],
                HelloMessage(role: .worker, pid: 11, commandEndpoint: "c", publishEndpoint: "p")))
        #expect(again.0.epoch == 2 && again.1 == [[2]])
    }

    @Test func aHelloCannotNameThePidTheSupervisorWouldSignal() throws {
        let registry = ProcessRegistry(spec: spec())
        registry.launched("w1", pid: 4242)
        // A forged hello for w1 claiming pid 1 (init).
        _ = try #require(
            registry.hello(
                from: "w1", identity: [9],
                HelloMessage(role: .worker, pid: 1, commandEndpoint: "c", publishEndpoint: "p")))
        let record = try #require(registry.records.first { $0.id == "w1" })
        #expect(record.pid == 4242 && record.spawnedPid == 4242)
        #expect(!registry.markUnresponsive("w1", pid: 1))
        #expect(registry.markUnresponsive("w1", pid: 4242))
        // Once it exited, nothing of it is signalled any more.
        registry.exited("w1", final: false)
        #expect(registry.records.first { $0.id == "w1" }?.spawnedPid == nil)
        // A gateway's record never launched here has no pid to signal, whatever its hello says.
        _ = registry.hello(from: "g1", identity: [1], HelloMessage(role: .gateway, pid: 77))
        #expect(registry.records.first { $0.id == "g1" }?.spawnedPid == nil)
        #expect(!registry.markUnresponsive("g1", pid: 77))
    }

    @Test func helloFromAStrangerOrWithTheWrongRoleIsRefused() {
        let registry = ProcessRegistry(spec: spec())
        #expect(registry.hello(from: "w9", identity: [1], HelloMessage(role: .worker, pid: 1)) == nil)
        #expect(registry.hello(from: "g1", identity: [1], HelloMessage(role: .worker, pid: 1)) == nil)
    }

    @Test func heartbeatsUpdateRecordsAndReturnTheMapWhenStale() throws {
        let registry = ProcessRegistry(spec: spec())
        _ = registry.hello(
            from: "w1", identity: [2], HelloMessage(role: .worker, pid: 11, commandEndpoint: "c", publishEndpoint: "p"))
        let beat = HeartbeatMessage(processed: 5, malformed: 1, ready: true)
        #expect(registry.heartbeat(from: "w1", identity: [2], knownEpoch: 1, beat) == .map(registry.map))
        #expect(registry.map.epoch == 2)
        #expect(registry.heartbeat(from: "w1", identity: [2], knownEpoch: 2, beat) == .upToDate)
        // A heartbeat from an old incarnation's identity is ignored.
        #expect(registry.heartbeat(from: "w1", identity: [9], knownEpoch: 0, beat) == .ignored)
        let record = try #require(registry.records.first { $0.id == "w1" })
        #expect(record.ready && record.processed == 5 && record.malformed == 1 && record.lastHeartbeat != nil)
    }

    @Test func aWorkerExitEmptiesItsEndpointsAndBumpsTheEpoch() throws {
        let registry = ProcessRegistry(spec: spec())
        _ = registry.hello(
            from: "w1", identity: [2], HelloMessage(role: .worker, pid: 11, commandEndpoint: "c", publishEndpoint: "p"))
        #expect(registry.exited("w1", final: false))
        let map = registry.map
        #expect(map.epoch == 3)
        #expect(!map.workers[0].isReachable)
        registry.restarting("w1")
        let record = try #require(registry.records.first { $0.id == "w1" })
        #expect(record.restarts == 1 && record.state == .exited && !record.ready)
        // A gateway exit does not change the map.
        _ = registry.hello(from: "g1", identity: [1], HelloMessage(role: .gateway, pid: 10))
        #expect(!registry.exited("g1", final: true))
        #expect(registry.map.epoch == 3)
    }
}
