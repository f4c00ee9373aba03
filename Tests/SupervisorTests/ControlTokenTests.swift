import Foundation
import Supervisor
import Testing

@Suite struct ControlTokenTests {
    @Test func aMissingFileIsMadeOwnerOnlyAndReadBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("sub/control.token").path
        let made = try ControlToken.resolve(file: path, environment: [:])
        #expect(made.value.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A second start reads the same token; the environment wins over the file.
        #expect(try ControlToken.resolve(file: path, environment: [:]) == made)
        let fromEnvironment = try ControlToken.resolve(
            file: path, environment: [ControlToken.environmentVariable: "an-operator-chosen-token"])
        #expect(fromEnvironment.value == "an-operator-chosen-token")
        #expect(throws: ControlToken.Failure.self) {
            try ControlToken.resolve(file: path, environment: [ControlToken.environmentVariable: "short"])
        }
    }

    @Test func onlyTheExactBearerTokenIsAccepted() throws {
        let token = try #require(ControlToken("0123456789abcdef0123"))
        #expect(token.accepts("Bearer 0123456789abcdef0123"))
        #expect(token.accepts("bearer 0123456789abcdef0123"))
        #expect(!token.accepts(nil))
        #expect(!token.accepts("Bearer 0123456789abcdef012"))
        #expect(!token.accepts("Bearer 0123456789abcdef01234"))
        #expect(!token.accepts("Basic 0123456789abcdef0123"))
        #expect(!token.accepts("0123456789abcdef0123"))
        #expect(ControlToken("too short") == nil && ControlToken("has a space in the middle") == nil)
    }
}
