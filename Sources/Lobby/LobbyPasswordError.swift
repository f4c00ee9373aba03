/// Why a password could not be hashed, or a stored hash could not be read.
package struct LobbyPasswordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable class of the problem.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name.
        package var description: String { name }
        /// The stored string is not `pbkdf2-sha256$<iterations>$<salt>$<key>`.
        package static let malformed = Code(name: "malformed")
        /// The iteration count is not a decimal from 1 to `LobbyPassword.maxIterations`.
        package static let badIterations = Code(name: "bad_iterations")
        /// The salt is not base64 of 1 to `LobbyPassword.maxSaltByteCount` bytes.
        package static let badSalt = Code(name: "bad_salt")
        /// The key is not base64 of `LobbyPassword.keyByteCount` bytes.
        package static let badKey = Code(name: "bad_key")
        /// The key derivation itself failed (BoringSSL reported an error).
        package static let derivationFailed = Code(name: "derivation_failed")
    }

    /// The class of problem.
    package var code: Code
    /// Detail for logs; never contains the password.
    package var detail: String

    /// Creates an error.
    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    package var description: String { "\(code): \(detail)" }
}
