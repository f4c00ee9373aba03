import Lobby
import TestSupport
import Testing

/// PBKDF2-HMAC-SHA256 against published vectors, the stored string, verification and the users' directory.
@Suite struct LobbyPasswordTests {
    func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    func derive(_ password: String, _ salt: String, _ iterations: Int, _ count: Int) throws -> [UInt8] {
        try LobbyPassword.pbkdf2SHA256(
            password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, byteCount: count)
    }

    /// RFC 7914 §11's PBKDF2-HMAC-SHA256 vectors, and the RFC 6070 inputs with SHA-256 (as published for it).
    @Test func matchesPublishedVectors() throws {
        #expect(
            try derive("passwd", "salt", 1, 64)
                == hex(
                    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"))
        #expect(
            try derive("Password", "NaCl", 80_000, 64)
                == hex(
                    "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                        + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"))
        #expect(
            try derive("password", "salt", 1, 32)
                == hex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"))
        #expect(
            try derive("password", "salt", 2, 32)
                == hex("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"))
        #expect(
            try derive("password", "salt", 4096, 32)
                == hex("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"))
        #expect(
            try derive("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40)
                == hex("348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"))
        #expect(try derive("pass\0word", "sa\0lt", 4096, 16) == hex("89b69d0516f829893c696226650a8687"))
        // Edge inputs: an empty password, and UTF-8 beyond ASCII.
        #expect(
            try derive("", "salt", 1, 32) == hex("f135c27993baf98773c5cdb40a5706ce6a345cde61b000a67858650cd6a324d7"))
        #expect(
            try derive("pässwörd😀", "salt", 3, 32)
                == hex("0ad7e85f25e98f2fced8144173093e8a9ddcb851c84670648d4e789949e5b4ef"))
    }

    @Test func storesASelfDescribingString() throws {
        let password = try LobbyPassword(hashing: "admin", salt: Array(0..<16), iterations: 2)
        let stored = "pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys="
        #expect(password.stored == stored)
        #expect(try LobbyPassword(stored: stored) == password)
        #expect(password.iterations == 2)
        #expect(password.salt == Array(0..<16))
        #expect(password.key.count == LobbyPassword.keyByteCount)
    }

    @Test func verifiesOnlyTheRightPassword() throws {
        var generator = SplitMix64(seed: 1)
        let password = try LobbyPassword(hashing: "s3cret", iterations: 10, using: &generator)
        #expect(password.salt.count == 16)
        #expect(password.verify("s3cret"))
        for wrong in ["", "s3cre", "s3cret ", "S3cret", "\0s3cret"] { #expect(!password.verify(wrong)) }
        // HMAC zero-pads a short key (RFC 2104), so trailing NULs reach the same key: a property of PBKDF2-HMAC
        // itself, which adds no guessable password. Asserted so that a change of KDF is noticed.
        #expect(password.verify("s3cret\0"))
        // Read back from storage, it still verifies.
        #expect(try LobbyPassword(stored: password.stored).verify("s3cret"))
        // Each hashing draws a new salt, so equal passwords store differently.
        let again = try LobbyPassword(hashing: "s3cret", iterations: 10, using: &generator)
        #expect(again.salt != password.salt)
        #expect(again.stored != password.stored)
        #expect(again.verify("s3cret"))
        let empty = try LobbyPassword(hashing: "", iterations: 1, using: &generator)
        #expect(empty.verify(""))
        #expect(!empty.verify(" "))
    }

    @Test func theDefaultIterationCountWorks() throws {
        let password = try LobbyPassword(hashing: "admin")
        #expect(password.iterations == LobbyPassword.defaultIterations)
        #expect(password.stored.hasPrefix("pbkdf2-sha256$100000$"))
        #expect(password.verify("admin"))
        #expect(!password.verify("admin1"))
    }

    @Test func comparesInConstantTime() {
        let a: [UInt8] = Array(0..<32)
        #expect(LobbyPassword.constantTimeEqual(a, a))
        #expect(LobbyPassword.constantTimeEqual([], []))
        var first = a
        first[0] ^= 1
        var last = a
        last[31] ^= 0x80
        #expect(!LobbyPassword.constantTimeEqual(a, first))
        #expect(!LobbyPassword.constantTimeEqual(a, last))
        #expect(!LobbyPassword.constantTimeEqual(a, Array(a.prefix(31))))
        #expect(!LobbyPassword.constantTimeEqual([], [0]))
    }

    @Test(arguments: [
        ("", LobbyPasswordError.Code.malformed),
        ("pbkdf2-sha256", .malformed),
        ("pbkdf2-sha1$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .malformed),
        ("PBKDF2-SHA256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .malformed),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=$", .malformed),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==", .malformed),
        ("pbkdf2-sha256$$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        ("pbkdf2-sha256$0$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        ("pbkdf2-sha256$02$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        ("pbkdf2-sha256$-2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        ("pbkdf2-sha256$+2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        ("pbkdf2-sha256$2x$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badIterations),
        (
            "pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=",
            .badIterations
        ),
        (
            "pbkdf2-sha256$99999999999$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=",
            .badIterations
        ),
        ("pbkdf2-sha256$2$$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badSalt),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badSalt),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODx==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badSalt),
        ("pbkdf2-sha256$2$AAEC*wQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badSalt),
        ("pbkdf2-sha256$2$AA==AwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=", .badSalt),
        (
            "pbkdf2-sha256$2$" + String(repeating: "AAAA", count: 22) + "$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=",
            .badSalt
        ),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$", .badKey),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys", .badKey),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9", .badKey),
        ("pbkdf2-sha256$2$AAECAwQFBgcICQoLDA0ODw==$PTZZkMeHUCeohtdR12Ttsh7OVrJZOcBk3aWuOzv9Wys=\n", .badKey),
    ])
    func rejectsMalformedStoredStrings(stored: String, code: LobbyPasswordError.Code) {
        #expect(throws: LobbyPasswordError.self) { try LobbyPassword(stored: stored) }
        do {
            _ = try LobbyPassword(stored: stored)
        } catch {
            #expect(error.code == code)
        }
    }

    @Test func refusesBadParameters() {
        #expect(throws: LobbyPasswordError.self) { try LobbyPassword(hashing: "x", salt: [], iterations: 1) }
        #expect(throws: LobbyPasswordError.self) { try LobbyPassword(hashing: "x", salt: [1], iterations: 0) }
        #expect(throws: LobbyPasswordError.self) {
            try LobbyPassword(hashing: "x", salt: [1], iterations: LobbyPassword.maxIterations + 1)
        }
        #expect(throws: LobbyPasswordError.self) {
            try LobbyPassword(hashing: "x", salt: [UInt8](repeating: 1, count: 65), iterations: 1)
        }
        #expect(throws: LobbyPasswordError.self) {
            try LobbyPassword.pbkdf2SHA256(password: [], salt: [1], iterations: 0, byteCount: 32)
        }
    }

    @Test func theDefaultUsersLogIn() throws {
        var generator = SplitMix64(seed: 3)
        var users = try LobbyUsers.defaults(iterations: 4, using: &generator)
        #expect(users.byName.keys.sorted() == ["admin", "user"])
        #expect(users.authenticate(username: "admin", password: "admin") == .admin)
        #expect(users.authenticate(username: "user", password: "user") == .user)
        #expect(users.authenticate(username: "admin", password: "user") == nil)
        #expect(users.authenticate(username: "Admin", password: "admin") == nil)
        #expect(users.authenticate(username: "nobody", password: "admin") == nil)
        #expect(users.authenticate(username: "", password: "") == nil)
        // Passwords are stored hashed, never in clear.
        #expect(!users.byName["admin"]!.password.stored.contains("admin"))
        // More users can be configured, and a user replaced.
        let hash = try LobbyPassword(hashing: "pw", iterations: 4, using: &generator)
        #expect(users.set(LobbyUser(username: "carol", password: hash, type: .admin)) == true)
        #expect(users.authenticate(username: "carol", password: "pw") == .admin)
        #expect(users.set(LobbyUser(username: "admin", password: hash, type: .user)) == true)
        #expect(users.authenticate(username: "admin", password: "admin") == nil)
        #expect(users.authenticate(username: "admin", password: "pw") == .user)
        #expect(users.set(LobbyUser(username: "", password: hash, type: .user)) == false)
        #expect(
            users.set(LobbyUser(username: String(repeating: "u", count: 1025), password: hash, type: .user)) == false)
        #expect(users.byName.count == 3)
    }
}
