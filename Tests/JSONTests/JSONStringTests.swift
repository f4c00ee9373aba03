import JSON
import Testing

func string(_ json: String) throws -> String? {
    guard case .string(let value) = try JSONParser.parse(json) else { return nil }
    return value
}

func string(_ bytes: [UInt8]) throws -> String? {
    guard case .string(let value) = try JSONParser.parse(bytes) else { return nil }
    return value
}

@Suite struct JSONStringTests {
    @Test func decodesEveryEscape() throws {
        #expect(try string(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(try string(#""\u0041\u00e9\u00E9\u20ac\u0000\u001f\uffff""#) == "Aéé€\u{0}\u{1F}\u{FFFF}")
        #expect(try string(#""a\nb""#) == "a\nb")
        #expect(try string(#""\\n""#) == "\\n")
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try string(#""\ud83d\ude00""#) == "😀")
        #expect(try string(#""\uD83D\uDE00""#) == "😀")
        #expect(try string(#""\ud800\udc00""#) == "\u{10000}")
        #expect(try string(#""\udbff\udfff""#) == "\u{10FFFF}")
        #expect(try string(#""x\ud834\udd1ey""#) == "x𝄞y")
    }

    @Test func keepsRawMultiByteUTF8() throws {
        #expect(try string("\"héllo wörld\"") == "héllo wörld")
        #expect(try string("\"€ 中文 😀 𝄞\"") == "€ 中文 😀 𝄞")
        #expect(try string("\"é\\n😀\"") == "é\n😀")
        #expect(try string([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]) == "\u{10FFFF}")
        #expect(try string([0x22, 0xEF, 0xBB, 0xBF, 0x22]) == "\u{FEFF}")
        // U+2028/2029 and DEL are legal raw in JSON strings.
        #expect(try string("\"\u{2028}\u{2029}\u{7F}\"") == "\u{2028}\u{2029}\u{7F}")
    }

    @Test func keysAreDecodedToo() throws {
        guard case .object(let object) = try JSONParser.parse(#"{"\u0061\n":1,"é":2}"#) else {
            Issue.record("expected an object")
            return
        }
        #expect(object["a\n"] == .number(1))
        #expect(object["é"] == .number(2))
    }

    @Test func longStringsAndManyEscapes() throws {
        let long = String(repeating: "abc😀\n\"", count: 2000)
        #expect(try string(JSONValue.string(long).jsonString) == long)
        let control = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        #expect(try string(JSONValue.string(control).jsonString) == control)
    }
}
