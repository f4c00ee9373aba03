import Base64Coding
import Crypto
import _CryptoExtras

/// A stored password: PBKDF2-HMAC-SHA256 of the password with a random salt, kept as the self-describing string
/// `pbkdf2-sha256$<iterations>$<salt base64>$<key base64>` (contracts §4: passwords are stored hashed). The string
/// carries its iteration count, so raising `defaultIterations` later needs no migration.
package struct LobbyPassword: Sendable, Hashable {
    /// PBKDF2 iterations.
    package let iterations: Int
    /// The salt.
    package let salt: [UInt8]
    /// The derived key (`keyByteCount` bytes).
    package let key: [UInt8]

    /// Iterations for new passwords. Below OWASP's current advice for PBKDF2-HMAC-SHA256 (600 000) because every
    /// login runs it on the lobby's single owner: one derivation takes about 55 ms of one core here in a debug build
    /// (less in release), per login or failed attempt.
    package static let defaultIterations = 100_000
    /// Most iterations a stored string may ask for, so a corrupt or hostile one cannot stall the owner.
    package static let maxIterations = 10_000_000
    /// Bytes of salt for new passwords.
    package static let saltByteCount = 16
    /// Longest salt accepted from a stored string.
    package static let maxSaltByteCount = 64
    /// Bytes of derived key (one SHA-256 block).
    package static let keyByteCount = 32
    /// The scheme that opens the stored string.
    package static let scheme = "pbkdf2-sha256"

    /// Hashes `password` with `salt` (tests and fixtures; new passwords take a random salt).
    package init(hashing password: String, salt: [UInt8], iterations: Int = defaultIterations)
        throws(LobbyPasswordError)
    {
        try Self.check(iterations: iterations, salt: salt)
        self.iterations = iterations
        self.salt = salt
        self.key = try Self.pbkdf2SHA256(
            password: Array(password.utf8), salt: salt, iterations: iterations, byteCount: Self.keyByteCount)
    }

    /// Hashes `password` with a new random `saltByteCount`-byte salt drawn from `generator`.
    package init<Generator: RandomNumberGenerator>(
        hashing password: String, iterations: Int = defaultIterations, using generator: inout Generator
    ) throws(LobbyPasswordError) {
        var salt: [UInt8] = []
        salt.reserveCapacity(Self.saltByteCount)
        for _ in 0..<Self.saltByteCount { salt.append(UInt8.random(in: .min ... .max, using: &generator)) }
        try self.init(hashing: password, salt: salt, iterations: iterations)
    }

    /// Hashes `password` with a salt from the system's secure generator.
    package init(hashing password: String, iterations: Int = defaultIterations) throws(LobbyPasswordError) {
        var generator = SystemRandomNumberGenerator()
        try self.init(hashing: password, iterations: iterations, using: &generator)
    }

    /// Reads a stored string; throws unless it is exactly what `stored` writes.
    package init(stored: String) throws(LobbyPasswordError) {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme else {
            throw LobbyPasswordError(.malformed, "expected \(Self.scheme)$<iterations>$<salt>$<key>")
        }
        let digits = parts[1].utf8
        guard !digits.isEmpty, digits.count <= 9, digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let iterations = Int(parts[1])
        else {
            throw LobbyPasswordError(.badIterations, "iterations must be a decimal without leading zeros")
        }
        guard let salt = Base64.decodeCanonical(parts[2].utf8) else {
            throw LobbyPasswordError(.badSalt, "salt is not base64")
        }
        try Self.check(iterations: iterations, salt: salt)
        guard let key = Base64.decodeCanonical(parts[3].utf8), key.count == Self.keyByteCount else {
            throw LobbyPasswordError(.badKey, "key is not base64 of \(Self.keyByteCount) bytes")
        }
        self.iterations = iterations
        self.salt = salt
        self.key = key
    }

    /// The string to store: `pbkdf2-sha256$<iterations>$<salt base64>$<key base64>`.
    package var stored: String {
        "\(Self.scheme)$\(iterations)$\(Base64.encode(salt))$\(Base64.encode(key))"
    }

    /// Whether `password` is this one. Takes the same time whatever matches: the whole key is derived and every
    /// byte compared.
    package func verify(_ password: String) -> Bool {
        guard
            let candidate = try? Self.pbkdf2SHA256(
                password: Array(password.utf8), salt: salt, iterations: iterations, byteCount: key.count)
        else { return false }
        return Self.constantTimeEqual(candidate, key)
    }

    /// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA256, through swift-crypto's BoringSSL binding.
    package static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int)
        throws(LobbyPasswordError) -> [UInt8]
    {
        guard iterations >= 1, iterations <= UInt32.max else {
            throw LobbyPasswordError(.badIterations, "iterations must be from 1 to \(UInt32.max)")
        }
        do {
            // The checked `rounds:` variant refuses fewer than 210 000; the count is bounded by `maxIterations` and
            // chosen above (`defaultIterations`), and tests need small ones.
            let derived = try KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: .sha256, outputByteCount: byteCount,
                unsafeUncheckedRounds: iterations)
            return derived.withUnsafeBytes { Array($0) }
        } catch {
            throw LobbyPasswordError(.derivationFailed, "PBKDF2 failed: \(error)")
        }
    }

    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths: every byte is compared,
    /// with no early exit, so the time taken does not reveal how long a matching prefix was.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    private static func check(iterations: Int, salt: [UInt8]) throws(LobbyPasswordError) {
        guard iterations >= 1, iterations <= maxIterations else {
            throw LobbyPasswordError(.badIterations, "iterations must be from 1 to \(maxIterations)")
        }
        guard !salt.isEmpty, salt.count <= maxSaltByteCount else {
            throw LobbyPasswordError(.badSalt, "salt must have 1 to \(maxSaltByteCount) bytes")
        }
    }
}
