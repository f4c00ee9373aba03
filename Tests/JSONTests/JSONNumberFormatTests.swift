import JSON
import TestSupport
import Testing

@Suite struct JSONNumberFormatTests {
    /// Expected strings are what JavaScript's `String(x)` prints.
    static let javaScriptTable: [(Double, String)] = [
        (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (0.1, "0.1"), (0.5, "0.5"), (-2.5, "-2.5"),
        (1e21, "1e+21"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (2e-7, "2e-7"),
        (123_456_789_012_345_680_000, "123456789012345680000"),
        (1.5e300, "1.5e+300"), (5e-324, "5e-324"), (0.000001, "0.000001"), (0.0000015, "0.0000015"),
        (1e20, "100000000000000000000"), (1e16, "10000000000000000"), (1_503_031_275_211, "1503031275211"),
        (9_007_199_254_740_992, "9007199254740992"), (0x1p60, "1152921504606847000"), (-0x1p63, "-9223372036854776000"),
        (12345.678, "12345.678"), (0.30000000000000004, "0.30000000000000004"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-1e-7, "-1e-7"), (1.2345e-10, "1.2345e-10"), (4.35, "4.35"), (100, "100"), (1e100, "1e+100"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"), (123.456e5, "12345600"), (0.001, "0.001"),
    ]

    @Test(arguments: javaScriptTable.indices)
    func matchesJavaScript(_ index: Int) {
        let (value, expected) = Self.javaScriptTable[index]
        #expect(formatJSONNumber(value) == expected, "\(value)")
    }

    @Test func nonFiniteValuesUseJavaScriptNames() {
        #expect(formatJSONNumber(.nan) == "NaN")
        #expect(formatJSONNumber(.infinity) == "Infinity")
        #expect(formatJSONNumber(-.infinity) == "-Infinity")
    }

    @Test func formattedNumbersParseBackExactly() throws {
        var generator = SplitMix64(seed: 0x4A53_4F4E)
        var checked = 0
        while checked < 5000 {
            let value: Double
            switch checked % 4 {
            case 0: value = Double(bitPattern: generator.next())
            case 1: value = Double.random(in: -1e6...1e6, using: &generator)
            case 2: value = Double(Int64.random(in: -(1 << 62)...(1 << 62), using: &generator)) / 1000
            default:
                value = Double(
                    sign: .plus, exponent: Int.random(in: -1074...1023, using: &generator),
                    significand: Double.random(in: 1..<2, using: &generator))
            }
            guard value.isFinite else { continue }
            checked += 1
            let text = formatJSONNumber(value)
            guard case .number(let back) = try JSONParser.parse(text) else {
                Issue.record("\(text) did not parse as a number")
                continue
            }
            #expect(back == value, "\(value) → \(text) → \(back)")
            if value != 0 { #expect(back.bitPattern == value.bitPattern) }
        }
    }
}
