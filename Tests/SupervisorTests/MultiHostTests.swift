import Foundation
import Supervisor
import Testing
import Wire

/// Partitions between hosts (docs/protocol.md §5.5–5.6): transfers in the map, the home of a file, silent
/// workers of other hosts, the saved state and the fleet file.
@Suite struct MultiHostTests {
    func spec() -> FleetSpec {
        var spec = FleetSpec(
            partitionCount: 4, workerIDs: ["w1", "w2"], gateways: [], dataDirectory: "/tmp/x",
            controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0, executable: "/bin/false")
        spec.localHost = "a"
        spec.placements = ["w1": .init(host: "a"), "w2": .init(host: "b")]
        spec.unresponsiveTimeout = .seconds(10)
        return spec
    }

    func up(_ r: ProcessRegistry, _ id: String, _ n: UInt8) {
        _ = r.hello(
            from: id, identity: [n],
            HelloMessage(role: .worker, pid: UInt32(n), commandEndpoint: "c-\(id)", publishEndpoint: "p-\(id)"))
    }

    func beat(_ r: ProcessRegistry, _ id: String, _ n: UInt8, held: [UInt16], fetched: [UInt16] = []) {
        _ = r.heartbeat(
            from: id, identity: [n], knownEpoch: r.epoch,
            HeartbeatMessage(ready: true, heldPartitions: held, fetchedPartitions: fetched))
    }

    @Test func aMoveToAnotherHostNeedsTheFileAndTheHomeFollowsTheFetchedCopy() throws {
        let r = ProcessRegistry(spec: spec())
        up(r, "w1", 1)
        up(r, "w2", 2)
        #expect(r.home == [0: "a", 1: "b", 2: "a", 3: "b"])
        #expect(r.map.transfers.isEmpty)
        #expect(r.records.first { $0.id == "w2" }?.external == true)
        try r.removeWorker(id: "w1")
        _ = r.reconcile()
        beat(r, "w1", 1, held: [])
        _ = r.reconcile()
        // Granted to w2, but the files are on host a: fetched from w1, which must stay until then.
        #expect(r.map.transfers == [0: "c-w1", 2: "c-w1"])
        #expect(r.reconcile().stop.isEmpty)
        beat(r, "w2", 2, held: [0, 1, 2, 3], fetched: [0])
        #expect(r.reconcile().broadcast)
        #expect(r.home[0] == "b" && r.home[2] == "a")
        #expect(r.map.transfers == [2: "c-w1"])
        beat(r, "w2", 2, held: [0, 1, 2, 3], fetched: [2])
        _ = r.reconcile()
        #expect(r.map.transfers.isEmpty)
        #expect(r.reconcile().stop == ["w1"])
    }

    @Test func aSilentWorkerOfAnotherHostIsTakenAsGoneAfterTheTimeout() {
        let r = ProcessRegistry(spec: spec())
        up(r, "w1", 1)
        up(r, "w2", 2)
        let epoch = r.epoch
        #expect(!r.reconcile(now: .now + .seconds(5)).broadcast)
        let step = r.reconcile(now: .now + .seconds(11))
        #expect(step.broadcast && r.epoch == epoch + 1)
        #expect(r.records.first { $0.id == "w2" }?.state == .exited)
        // The local one is not: the supervisor kills and restarts those instead.
        #expect(r.records.first { $0.id == "w1" }?.state == .running)
        up(r, "w2", 2)
        #expect(r.records.first { $0.id == "w2" }?.state == .running)
    }

    @Test func theSavedStateRestoresOwnersHomesAndMoves() throws {
        let r = ProcessRegistry(spec: spec())
        up(r, "w1", 1)
        up(r, "w2", 2)
        _ = try r.addWorker(id: "w3", host: "b")
        up(r, "w3", 3)
        _ = r.reconcile()
        let saved = r.savedState
        let folder = NSTemporaryDirectory() + "fleet-state-\(UUID())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try saved.save(folder: folder)
        let loaded = try #require(try FleetState.load(folder: folder))
        #expect(loaded == saved)
        let again = ProcessRegistry(spec: spec(), saved: loaded)
        #expect(again.records.map(\.id) == ["w1", "w2", "w3"])
        #expect(again.home == r.home)
        #expect(again.moves.map(\.partition) == r.moves.map(\.partition))
        #expect(again.epoch > r.epoch)
        #expect(
            again.records.filter { $0.role == .worker }.map(\.partitions)
                == r.records.filter { $0.role == .worker }.map(\.partitions))
        #expect(try FleetState.load(folder: folder + "-none") == nil)
    }

    @Test func aFleetFilePlacesProcessesOnHosts() throws {
        let json = """
            {"partitions": 8, "control": "tcp://10.0.0.1:5550", "localHost": "a",
             "health": {"host": "10.0.0.1", "port": 9200},
             "workers": [{"id": "w1", "host": "a"}, {"id": "w2", "host": "b"}],
             "gateways": [{"id": "g1"}, {"id": "g2", "host": "b", "lobby": 9100}]}
            """
        let path = NSTemporaryDirectory() + "fleet-\(UUID()).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let applied = try FleetFile.load(path).apply(to: spec())
        #expect(applied.partitionCount == 8 && applied.controlEndpoint == "tcp://10.0.0.1:5550")
        #expect(applied.healthPort == 9200 && applied.workerIDs == ["w1", "w2"])
        #expect(applied.launches("w1") && !applied.launches("w2"))
        #expect(applied.launches("g1") && !applied.launches("g2"))
        #expect(applied.gateways.map(\.lobbyPort) == [9000, 9100])
        for bad in [
            #"{"workers": [], "gateways": []}"#,
            #"{"workers": [{"id": "w1"}, {"id": "w1"}], "gateways": []}"#,
            #"{"control": "tcp://*:1", "workers": [{"id": "w1"}], "gateways": []}"#,
            // Ids travel in every envelope and label every metric: the envelope's rules apply.
            #"{"workers": [{"id": "w 1"}], "gateways": []}"#,
            #"{"workers": [{"id": "w1"}], "gateways": [{"id": "g\"1"}]}"#,
        ] {
            try bad.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self) { try FleetFile.load(path) }
        }
    }
}
