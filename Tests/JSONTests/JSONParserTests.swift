import JSON
import Testing

/// Parses `text`, failing the test on error.
func parsed(_ text: String, limits: JSONLimits = .init()) throws -> JSONValue {
    try JSONParser.parse(text, limits: limits)
}

/// The error `bytes` is rejected with, or nil when it parses.
func rejection(_ bytes: [UInt8], limits: JSONLimits = .init()) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

func rejection(_ text: String, limits: JSONLimits = .init()) -> JSONParseError? {
    rejection(Array(text.utf8), limits: limits)
}

func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "1") -> String {
    String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
}

@Suite struct JSONParserTests {
    @Test func parsesTheIngestFrame() throws {
        let frame =
            #"{"update_id":"c0ef1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b","username":"jenna","ts":1503031275211,"newSteps":17}"#
        let value = try parsed(frame)
        guard case .object(let object) = value else {
            Issue.record("expected an object, got \(value)")
            return
        }
        #expect(object.count == 4)
        #expect(object.keys == ["update_id", "username", "ts", "newSteps"])
        #expect(object["update_id"] == .string("c0ef1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"))
        #expect(object["username"] == .string("jenna"))
        #expect(object["ts"] == .number(1_503_031_275_211))
        #expect(object["newSteps"] == .number(17))
        #expect(object["missing"] == nil)
        #expect(value.jsonString == frame)
    }

    @Test func parsesScalarsAndContainers() throws {
        #expect(try parsed("null") == .null)
        #expect(try parsed("true") == .bool(true))
        #expect(try parsed("false") == .bool(false))
        #expect(try parsed("\"\"") == .string(""))
        #expect(try parsed("[]") == .array([]))
        #expect(try parsed("{}") == .object(JSONObject()))
        #expect(
            try parsed("[1,[2,[3]],{}]")
                == .array([.number(1), .array([.number(2), .array([.number(3)])]), .object(JSONObject())]))
        #expect(
            try parsed(#"{"a":[true,null],"b":{"c":"d"}}"#)
                == .object(
                    JSONObject([
                        ("a", .array([.bool(true), .null])),
                        ("b", .object(JSONObject([("c", .string("d"))]))),
                    ])))
    }

    @Test func acceptsExactlyTheFourWhitespaceCharacters() throws {
        let value = try parsed(" \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r} \t\n\r")
        #expect(value == .object(JSONObject([("a", .array([.number(1), .number(2)]))])))
        for other in ["\u{0C}1", "1\u{0B}", "\u{A0}1", "\u{FEFF}1", "\u{2028}1"] {
            #expect(rejection(other) != nil, "\(other.debugDescription) must be rejected")
        }
    }

    @Test func acceptsEveryInputShape() throws {
        let text = #"{"k":[1,"é"]}"#
        let expected = try parsed(text)
        let bytes = Array(text.utf8)
        #expect(try JSONParser.parse(bytes) == expected)
        #expect(try JSONParser.parse(([0x20] + bytes + [0x20])[1...]) == expected)
        #expect(try JSONParser.parse(bytes.lazy.map { $0 }) == expected)  // not contiguous: copied
        #expect(try JSONParser.parse(("xx" + text).dropFirst(2).utf8) == expected)
        #expect(try JSONParser.parse(ContiguousArray(bytes)) == expected)
    }

    @Test func duplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
        let value = try parsed(#"{"a":1,"b":2,"a":3}"#)
        guard case .object(let object) = value else {
            Issue.record("expected an object")
            return
        }
        #expect(object.count == 2)
        #expect(object["a"] == .number(3))
        #expect(object.keys == ["a", "b"])
        #expect(value.jsonString == #"{"a":3,"b":2}"#)
    }

    @Test func duplicateKeysInLargeObjects() throws {
        let keys = (0..<40).map { "key\($0)" }
        let body = keys.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",")
        let value = try parsed("{\(body),\"key7\":\"late\",\"key39\":null}")
        guard case .object(let object) = value else {
            Issue.record("expected an object")
            return
        }
        #expect(object.count == 40)
        #expect(object.keys == keys)
        #expect(object["key0"] == .number(0))
        #expect(object["key7"] == .string("late"))
        #expect(object["key39"] == .null)
        #expect(object["key40"] == nil)
    }

    @Test func objectEqualityIgnoresKeyOrder() throws {
        let first = try parsed(#"{"a":1,"b":[2]}"#)
        let second = try parsed(#"{"b":[2],"a":1}"#)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != (try parsed(#"{"a":1,"b":[3]}"#)))
        #expect(first != (try parsed(#"{"a":1}"#)))
        #expect(JSONObject([("x", .null), ("x", .bool(true))]) == JSONObject([("x", .bool(true))]))
    }

    @Test func objectIteratesPairsInOrder() throws {
        let object = JSONObject([("z", .number(1)), ("a", .number(2))])
        #expect(object.map(\.key) == ["z", "a"])
        #expect(object.map(\.value) == [.number(1), .number(2)])
        #expect(!object.isEmpty)
        #expect(JSONObject().isEmpty)
    }

    @Test func nestingAtTheLimitParsesAndOverItFails() throws {
        #expect(try parsed(nested(64)) != .null)
        let tooDeep = rejection(nested(65))
        #expect(tooDeep?.code == .depthExceeded)
        #expect(tooDeep?.offset == 64)
        #expect(try parsed(nested(64, open: "{\"a\":", close: "}")) != .null)
        #expect(rejection(nested(65, open: "{\"a\":", close: "}"))?.code == .depthExceeded)
        let objects32 = nested(32, open: "{\"a\":", close: "}")
        let objects33 = nested(33, open: "{\"a\":", close: "}")
        #expect(try parsed(nested(32, inner: objects32)) != .null)
        #expect(rejection(nested(32, inner: objects33))?.code == .depthExceeded)
        #expect(try parsed("[" + nested(63) + "," + nested(63) + "]") != .null)

        var shallow = JSONLimits()
        shallow.maxDepth = 2
        #expect(try parsed("[[1],{\"a\":2}]", limits: shallow) != .null)
        #expect(rejection("[[[1]]]", limits: shallow)?.code == .depthExceeded)
        #expect(rejection(#"{"a":{"b":{}}}"#, limits: shallow)?.code == .depthExceeded)

        var scalarsOnly = JSONLimits()
        scalarsOnly.maxDepth = 0
        #expect(try parsed("1", limits: scalarsOnly) == .number(1))
        #expect(rejection("[]", limits: scalarsOnly)?.code == .depthExceeded)

        // Nesting is tracked on the heap, not the call stack.
        var deep = JSONLimits()
        deep.maxDepth = 1000
        let value = try parsed(nested(1000), limits: deep)
        #expect(value.jsonString == nested(1000))
    }

    @Test func errorsCarryCodeOffsetAndReason() {
        let overflow = rejection("[1e999]")
        #expect(overflow?.code == .numberOverflow)
        #expect(overflow?.offset == 1)
        #expect(overflow?.reason.contains("overflow") == true)
        #expect(
            rejection("[1,]") == JSONParseError(code: .unexpectedByte, offset: 3, reason: "trailing comma in array"))
        #expect(
            rejection(#"{"a":1,}"#)
                == JSONParseError(code: .unexpectedByte, offset: 7, reason: "trailing comma in object"))
        #expect(rejection("01")?.code == .invalidNumber)
        #expect(rejection("01")?.offset == 0)
        #expect(rejection("\"ab\u{01}\"")?.offset == 3)
        #expect(rejection("1 2")?.code == .trailingData)
        #expect(rejection("1 2")?.offset == 2)
        #expect(rejection([0x22, 0x61, 0xFF, 0x22])?.offset == 2)
        #expect(rejection(#"["\n\u00e9", "\ud800"]"#)?.offset == 14)
        #expect(rejection("[1, 2")?.code == .unexpectedEnd)
        #expect(rejection("[1, 2")?.offset == 5)
        let error = JSONParseError(code: .invalidEscape, offset: 4, reason: "bad")
        #expect("\(error)" == "JSON parse error at byte 4: bad")
        #expect("\(JSONParseError.Code.numberOverflow)" == "numberOverflow")
    }

    static let invalidDocuments: [(String, [UInt8], JSONParseError.Code)] = [
        ("empty", [], .unexpectedEnd),
        ("whitespace only", Array(" \n".utf8), .unexpectedEnd),
        ("trailing comma in array", Array("[1,]".utf8), .unexpectedByte),
        ("trailing comma in object", Array(#"{"a":1,}"#.utf8), .unexpectedByte),
        ("leading comma", Array("[,1]".utf8), .unexpectedByte),
        ("empty element", Array("[1,,2]".utf8), .unexpectedByte),
        ("comma in empty object", Array("{,}".utf8), .unexpectedByte),
        ("missing comma", Array("[1 2]".utf8), .unexpectedByte),
        ("missing colon", Array(#"{"a" 1}"#.utf8), .unexpectedByte),
        ("missing value", Array(#"{"a":}"#.utf8), .unexpectedByte),
        ("number key", Array("{1:2}".utf8), .unexpectedByte),
        ("single quotes", Array("['a']".utf8), .unexpectedByte),
        ("mismatched bracket", Array("[1}".utf8), .unexpectedByte),
        ("unclosed array", Array("[1".utf8), .unexpectedEnd),
        ("unclosed object", Array(#"{"a":1"#.utf8), .unexpectedEnd),
        ("unclosed key", Array(#"{"a"#.utf8), .unexpectedEnd),
        ("leading zero", Array("01".utf8), .invalidNumber),
        ("negative leading zero", Array("-01".utf8), .invalidNumber),
        ("leading zero with fraction", Array("00.5".utf8), .invalidNumber),
        ("plus sign", Array("+1".utf8), .unexpectedByte),
        ("bare fraction", Array(".5".utf8), .unexpectedByte),
        ("trailing point", Array("1.".utf8), .invalidNumber),
        ("point before exponent", Array("1.e5".utf8), .invalidNumber),
        ("empty exponent", Array("1e".utf8), .invalidNumber),
        ("signed empty exponent", Array("1e+".utf8), .invalidNumber),
        ("lone minus", Array("-".utf8), .invalidNumber),
        ("double minus", Array("--1".utf8), .invalidNumber),
        ("minus space", Array("- 1".utf8), .invalidNumber),
        ("hex number", Array("0x10".utf8), .trailingData),
        ("NaN", Array("NaN".utf8), .unexpectedByte),
        ("Infinity", Array("Infinity".utf8), .unexpectedByte),
        ("negative Infinity", Array("-Infinity".utf8), .invalidNumber),
        ("overflow", Array("1e999".utf8), .numberOverflow),
        ("negative overflow", Array("-1e400".utf8), .numberOverflow),
        ("long overflow", Array(("1" + String(repeating: "0", count: 400)).utf8), .numberOverflow),
        ("huge exponent", Array("1e99999999999999999999".utf8), .numberOverflow),
        ("truncated true", Array("tru".utf8), .unexpectedEnd),
        ("capital True", Array("True".utf8), .unexpectedByte),
        ("misspelled null", Array("nul1".utf8), .unexpectedByte),
        ("literal with suffix", Array("falsey".utf8), .trailingData),
        ("unterminated string", Array(#""abc"#.utf8), .unexpectedEnd),
        ("raw NUL in string", [0x22, 0x00, 0x22], .controlCharacter),
        ("raw tab in string", Array("\"\t\"".utf8), .controlCharacter),
        ("raw newline in string", Array("\"a\nb\"".utf8), .controlCharacter),
        ("raw 0x1F in escaped string", Array("\"\\n\u{1F}\"".utf8), .controlCharacter),
        ("unknown escape", Array(#""\x""#.utf8), .invalidEscape),
        ("escaped single quote", Array(#""\'""#.utf8), .invalidEscape),
        ("short unicode escape", Array(#""\u12""#.utf8), .invalidEscape),
        ("bad hex digit", Array(#""\u12G4""#.utf8), .invalidEscape),
        ("escape at end", Array(#""\"#.utf8), .unexpectedEnd),
        ("lone high surrogate", Array(#""\ud800""#.utf8), .invalidSurrogate),
        ("lone low surrogate", Array(#""\udc00""#.utf8), .invalidSurrogate),
        ("high surrogate then letter", Array(#""\ud83dx""#.utf8), .invalidSurrogate),
        ("high surrogate then BMP escape", Array(#""\ud83d\u0041""#.utf8), .invalidSurrogate),
        ("two high surrogates", Array(#""\ud83d\ud83d""#.utf8), .invalidSurrogate),
        ("reversed pair", Array(#""\ude00\ud83d""#.utf8), .invalidSurrogate),
        ("invalid byte 0xFF", [0x22, 0xFF, 0x22], .invalidUTF8),
        ("lone continuation byte", [0x22, 0x80, 0x22], .invalidUTF8),
        ("overlong slash", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8),
        ("overlong three-byte", [0x22, 0xE0, 0x80, 0x80, 0x22], .invalidUTF8),
        ("UTF-8 surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8),
        ("beyond U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8),
        ("truncated sequence", [0x22, 0xE2, 0x82, 0x22], .invalidUTF8),
        ("invalid UTF-8 next to escape", [0x22, 0x5C, 0x6E, 0xC3, 0x22], .invalidUTF8),
        ("invalid UTF-8 outside strings", [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedByte),
        ("byte order mark", [0xEF, 0xBB, 0xBF, 0x31], .unexpectedByte),
        ("two values", Array("1 2".utf8), .trailingData),
        ("trailing garbage", Array("{} x".utf8), .trailingData),
        ("extra bracket", Array("[1]]".utf8), .trailingData),
        ("trailing NUL", [0x31, 0x00], .trailingData),
        ("comment", Array("[1] // c".utf8), .trailingData),
    ]

    @Test(arguments: invalidDocuments.indices)
    func rejectsInvalidDocument(_ index: Int) {
        let (name, bytes, code) = Self.invalidDocuments[index]
        let error = rejection(bytes)
        #expect(
            error?.code == code,
            "\(name): \(String(decoding: bytes, as: UTF8.self).debugDescription) gave \(String(describing: error))")
        if let error {
            #expect(error.offset >= 0 && error.offset <= bytes.count, "\(name)")
        }
    }
}
