package import Fleet
import Foundation
package import ZeroMQ

/// The fleet's keys on the supervisor's host: `keys/` in its data folder, owner-only (docs/operations.md, "Fleet
/// keys"). It holds the supervisor's key pair (`supervisor.key`), a key file per process the supervisor launches
/// (`<id>.key`, made on first start and passed to the process), and the public key of each process of another host
/// (`<id>.pub`: that host holds the secret, issued by `switchyard keys issue`). What is in the folder is what the
/// fleet lets in: the supervisor reads it again whenever it changes.
package struct FleetKeyFolder: Sendable {
    /// The folder's name in the data folder.
    package static let folderName = "keys"
    /// The supervisor's own id in the folder (its key file is `supervisor.key`).
    package static let supervisorID = "supervisor"

    /// The folder's path.
    package let path: String

    /// The key folder of the data folder `dataDirectory`.
    package init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent(Self.folderName)
    }

    /// Path of the secret key file of process `id`.
    package func keyFile(of id: String) -> String { (path as NSString).appendingPathComponent("\(id).key") }

    /// Path of the public key file of process `id` of another host.
    package func publicKeyFile(of id: String) -> String { (path as NSString).appendingPathComponent("\(id).pub") }

    /// The supervisor's key pair, made on first use.
    package func supervisorKeys() throws(FleetKeyFile.Failure) -> ZMQCurveKeyPair {
        try ensureFolder()
        let file = keyFile(of: Self.supervisorID)
        if FileManager.default.fileExists(atPath: file) { return try FleetKeyFile.load(file).keys }
        let made = FleetKeyFile(process: Self.supervisorID, keys: try Self.generate(), supervisorKey: nil)
        try made.write(to: file)
        return made.keys
    }

    /// The key file of process `id` of this host, made (with the supervisor's public key) if it has none; its path
    /// is what the process is started with (`--key-file`).
    package func localKeyFile(of id: String) throws(FleetKeyFile.Failure) -> String {
        let supervisor = try supervisorKeys()
        let file = keyFile(of: id)
        if FileManager.default.fileExists(atPath: file),
            let existing = try? FleetKeyFile.load(file), existing.supervisorKey == supervisor.publicKey
        {
            return file
        }
        try FleetKeyFile(process: id, keys: try Self.generate(), supervisorKey: supervisor.publicKey).write(to: file)
        return file
    }

    /// A new key for process `id` of another host: its public key is recorded here (`<id>.pub`, replacing any
    /// earlier key of `id`), and the returned file, with the secret, is for that host alone; it is not kept here.
    package func issue(for id: String) throws(FleetKeyFile.Failure) -> FleetKeyFile {
        guard id != Self.supervisorID else {
            throw FleetKeyFile.Failure(description: "the supervisor's key is its own")
        }
        let supervisor = try supervisorKeys()
        let issued = FleetKeyFile(process: id, keys: try Self.generate(), supervisorKey: supervisor.publicKey)
        try FleetKeyFile.writeSecret(Data((issued.keys.publicKey + "\n").utf8), to: publicKeyFile(of: id))
        unlink(keyFile(of: id))
        return issued
    }

    /// Replaces the key of process `id` of this host with a new one (the supervisor restarts the process with it).
    package func rotateLocal(_ id: String) throws(FleetKeyFile.Failure) {
        guard FileManager.default.fileExists(atPath: keyFile(of: id)) else {
            throw FleetKeyFile.Failure(description: "\(id) has no key file in \(path)")
        }
        let supervisor = try supervisorKeys()
        try FleetKeyFile(process: id, keys: try Self.generate(), supervisorKey: supervisor.publicKey)
            .write(to: keyFile(of: id))
    }

    /// Whether process `id` has a key of another host here (`<id>.pub`).
    package func isIssued(_ id: String) -> Bool { FileManager.default.fileExists(atPath: publicKeyFile(of: id)) }

    /// Every process's public key by id (the supervisor's excluded), and a line for each file that could not be
    /// read (such a process is not let in).
    package func publicKeys() -> (keys: [String: String], problems: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return ([:], []) }
        var keys: [String: String] = [:]
        var problems: [String] = []
        for name in names.sorted() {
            let file = (path as NSString).appendingPathComponent(name)
            if name.hasSuffix(".key") {
                let id = String(name.dropLast(4))
                guard id != Self.supervisorID else { continue }
                do {
                    let keyFile = try FleetKeyFile.load(file)
                    guard keyFile.process == id else {
                        problems.append("\(file) names process \(keyFile.process)")
                        continue
                    }
                    keys[id] = keyFile.keys.publicKey
                } catch {
                    problems.append(error.description)
                }
            } else if name.hasSuffix(".pub") {
                let id = String(name.dropLast(4))
                let text = FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
                let key = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                guard ZMQCurveKeyPair.isKey(key) else {
                    problems.append("\(file) does not hold a 40-character Z85 public key")
                    continue
                }
                keys[id] = key
            }
        }
        return (keys, problems)
    }

    /// Changes whenever a key file is added, replaced or removed (files are replaced by renaming, which touches the
    /// folder), so the supervisor reads the folder again only then.
    package func stamp() -> Double? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date)?.timeIntervalSince1970
    }

    private func ensureFolder() throws(FleetKeyFile.Failure) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FleetKeyFile.Failure(description: "cannot create \(path): \(error)")
        }
    }

    private static func generate() throws(FleetKeyFile.Failure) -> ZMQCurveKeyPair {
        do { return try ZMQCurveKeyPair.generate() } catch {
            throw FleetKeyFile.Failure(description: "cannot make a key pair: \(error)")
        }
    }
}
