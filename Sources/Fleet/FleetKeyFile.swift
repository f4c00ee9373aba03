package import Foundation
package import ZeroMQ

/// One process's CURVE identity on disk (docs/operations.md, "Fleet keys"): its id, its secret key and the public key
/// of the supervisor it may talk to. The file is owner-readable only; whoever reads it can act as that process.
///
/// ```
/// # Switchyard fleet key of w3. Keep it secret: it lets its holder act as w3.
/// process w3
/// secret-key <40 Z85 characters>
/// supervisor-key <40 Z85 characters>
/// ```
package struct FleetKeyFile: Sendable, Hashable {
    /// The process id the key belongs to (`w3`, `g1`, `supervisor`).
    package var process: String
    /// The process's key pair (the file holds the secret key; the public key follows from it).
    package var keys: ZMQCurveKeyPair
    /// The supervisor's public key; nil in the supervisor's own file.
    package var supervisorKey: String?

    /// Creates a key file's contents.
    package init(process: String, keys: ZMQCurveKeyPair, supervisorKey: String?) {
        self.process = process
        self.keys = keys
        self.supervisorKey = supervisorKey
    }

    /// Why a key file could not be read or written.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong, naming the file.
        package let description: String

        /// A failure described by `description`.
        package init(description: String) { self.description = description }
    }

    /// The file's text.
    package var text: String {
        var lines = [
            "# Switchyard fleet key of \(process). Keep it secret: it lets its holder act as \(process).",
            "process \(process)",
            "secret-key \(keys.secretKey)",
        ]
        if let supervisorKey { lines.append("supervisor-key \(supervisorKey)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a key file's text: `name value` lines, `#` comments; `process` and a valid `secret-key` are required.
    package init(parsing text: String) throws(Failure) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["process", "secret-key", "supervisor-key"].contains(parts[0]) else {
                throw Failure(description: "unknown line \"\(parts[0])\"")
            }
            guard fields[parts[0]] == nil else { throw Failure(description: "\(parts[0]) given twice") }
            fields[parts[0]] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        guard let process = fields["process"] else { throw Failure(description: "no process line") }
        guard let secret = fields["secret-key"], let keys = try? ZMQCurveKeyPair(secretKey: secret) else {
            throw Failure(description: "no valid secret-key line (40 Z85 characters)")
        }
        if let supervisor = fields["supervisor-key"], !ZMQCurveKeyPair.isKey(supervisor) {
            throw Failure(description: "supervisor-key is not a 40-character Z85 key")
        }
        self.init(process: process, keys: keys, supervisorKey: fields["supervisor-key"])
    }

    /// Reads the key file at `path`.
    package static func load(_ path: String) throws(Failure) -> FleetKeyFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        do {
            return try FleetKeyFile(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw Failure(description: "\(path): \(error.description)")
        }
    }

    /// Writes the file at `path`, owner-readable only, replacing any file there in one step (a reader never sees
    /// half a key).
    package func write(to path: String) throws(Failure) {
        try Self.writeSecret(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path` with mode 0600 through a temporary file renamed into place.
    package static func writeSecret(_ data: Data, to path: String) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        // Created owner-only before anything is written, so the secret is never readable by others.
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw Failure(description: "cannot create \(temporary)") }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
