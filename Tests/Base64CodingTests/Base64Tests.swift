import Base64Coding
import Testing

@Suite struct Base64Tests {
    /// RFC 4648 §10.
    static let vectors = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test func encodesAndDecodesTheRFCVectorsBothWays() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded.utf8) == Array(plain.utf8))
            #expect(Base64.decodeCanonical(encoded.utf8) == Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decodeCanonical(Base64.encode(all).utf8) == all)
        #expect(Base64.decode(Base64.encode(all, alphabet: Base64.urlSafe, padded: false).utf8) == all)
    }

    @Test func theLenientDecoderTakesEitherAlphabetAndOptionalPaddingButNoGarbage() {
        #expect(Base64.decode("Zg".utf8) == [0x66])
        #expect(Base64.decode("-_8=".utf8) == [0xFB, 0xFF])
        #expect(Base64.decode("+/8".utf8) == [0xFB, 0xFF])
        for bad in ["A", "AA===", "!!!!", "Zg=", "Zm 9v"] { #expect(Base64.decode(bad.utf8) == nil, "\(bad)") }
    }

    @Test func theCanonicalDecoderRefusesEveryOtherSpelling() {
        for bad in ["Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v", "Zm 9v", "é000"]
        {
            #expect(Base64.decodeCanonical(bad.utf8) == nil, "\(bad)")
        }
    }

    @Test func urlSafeUnpaddedEncodingHasNoPaddingOrPlusOrSlash() {
        let text = Base64.encode([0xFB, 0xFF, 0xBF, 0xFE], alphabet: Base64.urlSafe, padded: false)
        #expect(text == "-_-__g")
    }
}
