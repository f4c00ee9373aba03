import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The bearer token that the supervisor's control API (`POST /workers`, `DELETE /workers/{id}`) requires, and that
/// `switchyard fleet …` sends (docs/operations.md, "The control API"). It comes from the environment
/// (`SWITCHYARD_CONTROL_TOKEN`) or from a file; by default the file is `control.token` in the data folder, made on
/// first start with 32 random bytes, readable by its owner only.
package struct ControlToken: Sendable, Hashable {
    /// The token text.
    package let value: String

    /// The environment variable that overrides any file.
    package static let environmentVariable = "SWITCHYARD_CONTROL_TOKEN"
    /// The default file name, in the data folder.
    package static let fileName = "control.token"

    /// A token of the given text (at least 16 characters, no spaces).
    package init?(_ value: String) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16, !trimmed.contains(where: \.isWhitespace) else { return nil }
        self.value = trimmed
    }

    /// Why no token could be had.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        package let description: String
    }

    /// The supervisor's token: the environment's, else the file's; a missing file is created with a new random
    /// token (and its folder with it), owner-readable only.
    package static func resolve(file path: String, environment: [String: String]) throws(Failure) -> ControlToken {
        if let text = environment[environmentVariable] {
            guard let token = ControlToken(text) else {
                throw Failure(description: "\(environmentVariable) must be at least 16 characters without spaces")
            }
            return token
        }
        if let token = try read(file: path) { return token }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        let token = ControlToken(bytes.map { String(format: "%02x", $0) }.joined())!
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Created owner-only before the token is written, so it is never readable by others.
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw Failure(description: "cannot create \(path)") }
            try Data((token.value + "\n").utf8).write(to: url)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "cannot write \(path): \(error)")
        }
        return token
    }

    /// The token in `path`, nil if there is no such file.
    package static func read(file path: String) throws(Failure) -> ControlToken? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        guard let token = ControlToken(String(decoding: data, as: UTF8.self)) else {
            throw Failure(description: "\(path) must hold a token of at least 16 characters without spaces")
        }
        return token
    }

    /// Whether an `Authorization` header carries this token (`Bearer <token>`), compared in constant time.
    package func accepts(_ authorization: String?) -> Bool {
        guard let authorization, authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { return false }
        let given = Array(authorization.dropFirst(7).utf8)
        let expected = Array(value.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }
}
