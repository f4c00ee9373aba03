import Foundation
import JSON
import Testing

/// Converts `JSONSerialization` output into a ``JSONValue`` for comparison.
func jsonValue(fromFoundation any: Any) -> JSONValue? {
    switch any {
    case is NSNull:
        return .null
    case let string as String:
        return .string(string)
    case let array as [Any]:
        var elements: [JSONValue] = []
        for element in array {
            guard let value = jsonValue(fromFoundation: element) else { return nil }
            elements.append(value)
        }
        return .array(elements)
    case let dictionary as [String: Any]:
        var pairs: [(String, JSONValue)] = []
        for (key, element) in dictionary {
            guard let value = jsonValue(fromFoundation: element) else { return nil }
            pairs.append((key, value))
        }
        return .object(JSONObject(pairs))
    case let number as NSNumber:
        // Foundation boxes booleans as NSNumbers of C type "c".
        if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
        return .number(number.doubleValue)
    default:
        return nil
    }
}

@Suite struct JSONFoundationComparisonTests {
    static let documents = [
        #"{"update_id":"c0ef1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b","username":"jenna","ts":1503031275211,"newSteps":17}"#,
        #"[true,false,null,0,-1,1.5,-2.25e-3,1E10,123456789,"",[],{}]"#,
        #"{"nested":{"deeper":{"deepest":[[1],[2,[3]]]}},"list":[{"a":1},{"b":2}]}"#,
        #"["\"\\\/\b\f\n\r\t","\u00e9\u20ac\ud83d\ude00","raw é € 😀","\u0000"]"#,
        " \t\n\r[ 1 , \"two\" , { \"three\" : 3 } ] \r\n",
        #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}"#,
        // Not 0.30000000000000004: Foundation on Linux misrounds it to 0.3000000000000001 (we match JavaScript).
        #"[0.1,0.2,0.3,1e-7,1e21,9007199254740991,-9007199254740991,3.141592653589793]"#,
        #"{"emoji":"😀","key with spaces":"v","":"empty key"}"#,
    ]

    @Test(arguments: documents)
    func agreesWithJSONSerialization(_ document: String) throws {
        let data = Data(document.utf8)
        let foundation = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let expected = try #require(jsonValue(fromFoundation: foundation))
        #expect(try JSONParser.parse(document) == expected)
        #expect(try JSONParser.parse(data) == expected)
        // Our output must be readable by Foundation too.
        let written = try JSONParser.parse(document).jsonBytes
        let reread = try JSONSerialization.jsonObject(with: Data(written), options: [.fragmentsAllowed])
        #expect(jsonValue(fromFoundation: reread) == expected)
    }
}
