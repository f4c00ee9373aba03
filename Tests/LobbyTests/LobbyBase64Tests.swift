import Testing

@testable import Lobby

/// The stored strings' base64: RFC 4648 §10's vectors, and one spelling only.
@Suite struct LobbyBase64Tests {
    @Test func encodesAndDecodesTheRFCVectors() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(LobbyBase64.encode(Array(plain.utf8)) == encoded)
            #expect(LobbyBase64.decode(Substring(encoded)) == Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(LobbyBase64.decode(Substring(LobbyBase64.encode(all))) == all)
    }

    @Test func refusesEverythingElse() {
        for bad in ["Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v", "Zm 9v", "é000"]
        {
            #expect(LobbyBase64.decode(Substring(bad)) == nil, "\(bad)")
        }
    }
}
