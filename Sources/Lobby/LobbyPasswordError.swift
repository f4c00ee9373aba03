/// Why a password could not be hashed, or a stored hash could not be read.
public struct LobbyPasswordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable class of the problem.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The code's name.
        public var description: String { name }
        /// The stored string is not `pbkdf2-sha256$<iterations>$<salt>$<key>`.
        public static let malformed = Code(name: "malformed")
        /// The iteration count is not a decimal from 1 to `LobbyPassword.maxIterations`.
        public static let badIterations = Code(name: "bad_iterations")
        /// The salt is not base64 of 1 to `LobbyPassword.maxSaltByteCount` bytes.
        public static let badSalt = Code(name: "bad_salt")
        /// The key is not base64 of `LobbyPassword.keyByteCount` bytes.
        public static let badKey = Code(name: "bad_key")
        /// The key derivation itself failed (BoringSSL reported an error).
        public static let derivationFailed = Code(name: "derivation_failed")
    }

    /// The class of problem.
    public var code: Code
    /// Detail for logs; never contains the password.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code): \(detail)" }
}
