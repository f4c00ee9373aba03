import Fleet
import Foundation
import Supervisor
import Testing
import Wire
import ZeroMQ

@Suite struct FleetKeyFileTests {
    @Test func aKeyFileRoundTripsAndItsPublicKeyFollowsFromTheSecret() throws {
        let keys = try ZMQCurveKeyPair.generate()
        let supervisor = try ZMQCurveKeyPair.generate()
        let file = FleetKeyFile(process: "w3", keys: keys, supervisorKey: supervisor.publicKey)
        #expect(
            file.text.contains("process w3\nsecret-key \(keys.secretKey)\nsupervisor-key \(supervisor.publicKey)\n"))
        #expect(try FleetKeyFile(parsing: file.text) == file)
        // Comments, blank lines and surrounding spaces are fine.
        let spaced = "# note\n\n  process w3  \nsecret-key \(keys.secretKey)\n"
        #expect(try FleetKeyFile(parsing: spaced).keys.publicKey == keys.publicKey)
    }

    @Test func aBrokenKeyFileSaysWhatIsWrong() throws {
        let keys = try ZMQCurveKeyPair.generate()
        let cases: [(String, String)] = [
            ("secret-key \(keys.secretKey)\n", "no process line"),
            ("process w1\n", "no valid secret-key"),
            ("process w1\nsecret-key short\n", "no valid secret-key"),
            ("process w1\nsecret-key \(keys.secretKey)\nsupervisor-key nope\n", "supervisor-key"),
            ("process w1\nprocess w2\nsecret-key \(keys.secretKey)\n", "twice"),
            ("process w1\npassword hunter2\n", "unknown line"),
        ]
        for (text, reason) in cases {
            #expect {
                try FleetKeyFile(parsing: text)
            } throws: { error in
                (error as? FleetKeyFile.Failure)?.description.contains(reason) == true
            }
        }
    }

    @Test func linkSecurityComesFromTheProcessesOwnFile() throws {
        let folder = try TemporaryFolder()
        let keys = try ZMQCurveKeyPair.generate()
        let supervisor = try ZMQCurveKeyPair.generate()
        let path = folder.path + "/g2.key"
        try FleetKeyFile(process: "g2", keys: keys, supervisorKey: supervisor.publicKey).write(to: path)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(
            try LinkSecurity.load(keyFile: path, process: "g2") == .curve(keys, supervisorKey: supervisor.publicKey))
        // Another process's file, or one without the supervisor's key, is refused.
        #expect(throws: FleetKeyFile.Failure.self) { try LinkSecurity.load(keyFile: path, process: "g1") }
        try FleetKeyFile(process: "g2", keys: keys, supervisorKey: nil).write(to: path)
        #expect(throws: FleetKeyFile.Failure.self) { try LinkSecurity.load(keyFile: path, process: "g2") }
    }

    @Test func aWorkerIsReachedWithTheKeyTheMapGivesIt() throws {
        let keys = try ZMQCurveKeyPair.generate()
        let worker = try ZMQCurveKeyPair.generate()
        let security = LinkSecurity.curve(keys, supervisorKey: worker.publicKey)
        let map = PartitionMap(epoch: 1, partitionCount: 1, workers: [], keys: ["w1": worker.publicKey])
        #expect(security.toWorker("w1", of: map) == .curveClient(keys, serverKey: worker.publicKey))
        #expect(security.toWorker("w2", of: map) == nil)
        #expect(LinkSecurity.insecure.toWorker("w2", of: map) == ZMQSecurity.none)
    }
}

@Suite struct FleetKeyFolderTests {
    @Test func localKeysAreMadeOnceAndIssuedKeysKeepOnlyTheirPublicHalf() throws {
        let data = try TemporaryFolder()
        let folder = FleetKeyFolder(dataDirectory: data.path)
        let supervisor = try folder.supervisorKeys()
        #expect(try folder.supervisorKeys() == supervisor)
        #expect(try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int == 0o700)
        let w1File = try folder.localKeyFile(of: "w1")
        let w1 = try FleetKeyFile.load(w1File)
        #expect(w1.process == "w1" && w1.supervisorKey == supervisor.publicKey)
        #expect(try folder.localKeyFile(of: "w1") == w1File && FleetKeyFile.load(w1File) == w1)

        let issued = try folder.issue(for: "w2")
        #expect(issued.supervisorKey == supervisor.publicKey && folder.isIssued("w2"))
        #expect(!FileManager.default.fileExists(atPath: folder.keyFile(of: "w2")))
        let (keys, problems) = folder.publicKeys()
        #expect(keys == ["w1": w1.keys.publicKey, "w2": issued.keys.publicKey] && problems.isEmpty)
        // The secret of an issued key is nowhere in the folder.
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let text = try String(contentsOfFile: folder.path + "/" + name, encoding: .utf8)
            #expect(!text.contains(issued.keys.secretKey))
        }
        #expect(throws: FleetKeyFile.Failure.self) { try folder.issue(for: FleetKeyFolder.supervisorID) }
    }

    @Test func rotationReplacesTheKeyAndChangesTheStamp() throws {
        let data = try TemporaryFolder()
        let folder = FleetKeyFolder(dataDirectory: data.path)
        _ = try folder.localKeyFile(of: "g1")
        let before = folder.publicKeys().keys["g1"]
        let stamp = folder.stamp()
        try folder.rotateLocal("g1")
        #expect(folder.publicKeys().keys["g1"] != before)
        #expect(folder.stamp() != stamp)
        #expect(throws: FleetKeyFile.Failure.self) { try folder.rotateLocal("nobody") }
    }

    @Test func unusableFilesAreReportedAndLeftOut() throws {
        let data = try TemporaryFolder()
        let folder = FleetKeyFolder(dataDirectory: data.path)
        _ = try folder.localKeyFile(of: "w1")
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: folder.publicKeyFile(of: "w9")))
        try FileManager.default.copyItem(atPath: folder.keyFile(of: "w1"), toPath: folder.keyFile(of: "w8"))
        let (keys, problems) = folder.publicKeys()
        #expect(Set(keys.keys) == ["w1"])
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("w9.pub") } && problems.contains { $0.contains("names process w1") })
    }
}

/// A folder removed when the value goes away.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
