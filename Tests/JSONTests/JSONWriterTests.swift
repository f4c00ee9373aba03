import JSON
import Testing

func text(_ writer: JSONWriter) -> String { String(decoding: writer.bytes, as: UTF8.self) }

@Suite struct JSONWriterTests {
    @Test func insertsSeparators() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.value(1)
        writer.key("b")
        writer.beginArray()
        writer.value(true)
        writer.value(false)
        writer.null()
        writer.beginArray()
        writer.endArray()
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.key("c")
        writer.beginObject()
        writer.key("d")
        writer.value("e")
        writer.endObject()
        writer.key("f")
        writer.value(0.5)
        writer.endObject()
        #expect(text(writer) == #"{"a":1,"b":[true,false,null,[],{}],"c":{"d":"e"},"f":0.5}"#)
    }

    @Test func writesTopLevelScalarsAndSequences() {
        var writer = JSONWriter(capacity: 4)
        writer.value("x")
        #expect(text(writer) == #""x""#)
        var array = JSONWriter()
        array.beginArray()
        for i in 0..<3 { array.value(i) }
        array.endArray()
        #expect(text(array) == "[0,1,2]")
    }

    @Test func escapesOnlyQuoteBackslashAndControls() {
        var writer = JSONWriter()
        writer.value("\"\\/\n\r\t\u{08}\u{0C}\u{00}\u{01}\u{1F} é€😀\u{7F}\u{2028}")
        #expect(text(writer) == #""\"\\/\n\r\t\b\f\u0000\u0001\u001f é€😀"# + "\u{7F}\u{2028}\"")
        var keys = JSONWriter()
        keys.beginObject()
        keys.key("k\"\n")
        keys.value("")
        keys.endObject()
        #expect(text(keys) == #"{"k\"\n":""}"#)
    }

    @Test func writesNumbersLikeJavaScript() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.value(Int.min)
        writer.value(Int.max)
        writer.value(0)
        writer.value(-0.0)
        writer.value(1_503_031_275_211.0)
        writer.value(1e21)
        writer.value(1.5e-7)
        writer.value(-2.5)
        writer.value(Double.nan)
        writer.value(Double.infinity)
        writer.value(-Double.infinity)
        writer.endArray()
        #expect(
            text(writer)
                == "[-9223372036854775808,9223372036854775807,0,0,1503031275211,1e+21,1.5e-7,-2.5,null,null,null]")
    }

    @Test func writesWholeValuesInKeyOrder() throws {
        let value = JSONValue.object(
            JSONObject([
                ("z", .array([.number(1), .string("two"), .null, .bool(true)])),
                ("a", .object(JSONObject([("nested", .number(0.1))]))),
            ]))
        #expect(value.jsonString == #"{"z":[1,"two",null,true],"a":{"nested":0.1}}"#)
        #expect(value.jsonBytes == Array(value.jsonString.utf8))
        var writer = JSONWriter()
        writer.beginArray()
        writer.value(value)
        writer.value(JSONValue.null)
        writer.endArray()
        #expect(text(writer) == "[\(value.jsonString),null]")
    }

    static let canonicalDocuments = [
        #"{"update_id":"c0ef","username":"jenna","ts":1503031275211,"newSteps":17}"#,
        #"[1e+21,1e-7,0.1,-5,"é\n\u0001",true,false,null,[],{}]"#,
        #"{"a":{"b":{"c":[[[-1.5e+300]]]}},"d":""}"#,
        #""\"\\😀""#,
        "123456789012345680000",
        "5e-324",
    ]

    @Test(arguments: canonicalDocuments)
    func compactDocumentsRoundTripByteForByte(_ document: String) throws {
        #expect(try JSONParser.parse(document).jsonString == document)
    }

    @Test func reformattedDocumentsRoundTripToEqualValues() throws {
        let documents = [
            " { \"a\" : [ 1.0 , 2E2 , -0 , \"\\u00e9\\/\" ] , \"b\" : { } } ",
            #"[0.000001, 1e-7, 100e19, 12345678901234567890, "\ud83d\ude00"]"#,
        ]
        for document in documents {
            let value = try JSONParser.parse(document)
            let written = value.jsonString
            #expect(try JSONParser.parse(written) == value)
            #expect(try JSONParser.parse(written).jsonString == written)
        }
        #expect(try JSONParser.parse(documents[0]).jsonString == #"{"a":[1,200,0,"é/"],"b":{}}"#)
        #expect(
            try JSONParser.parse(documents[1]).jsonString == #"[0.000001,1e-7,1e+21,12345678901234567000,"😀"]"#)
    }

    @Test func escapingHTMLWritesAngleBracketsAndAmpersandsAsUnicodeEscapes() throws {
        var w = JSONWriter(escapingHTML: true)
        w.beginObject()
        w.key("<k>")
        w.value("<script>alert('x')</script> & \"é\"")
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"\u003ck\u003e":"\u003cscript\u003ealert('x')\u003c/script\u003e \u0026 \"é\""}"#)
        // The same document to a parser.
        #expect(try JSONParser.parse(w.bytes).jsonString == #"{"<k>":"<script>alert('x')</script> & \"é\""}"#)
        var plain = JSONWriter()
        plain.value("<&>")
        #expect(String(decoding: plain.bytes, as: UTF8.self) == #""<&>""#)
    }
}
