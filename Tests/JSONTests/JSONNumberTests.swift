import JSON
import TestSupport
import Testing

func number(_ text: String) throws -> Double? {
    guard case .number(let value) = try JSONParser.parse(text) else { return nil }
    return value
}

@Suite struct JSONNumberTests {
    static let exactCases: [(String, Double)] = [
        ("0", 0), ("1", 1), ("-1", -1), ("17", 17), ("1503031275211", 1_503_031_275_211),
        ("9007199254740991", 9_007_199_254_740_991), ("9007199254740992", 9_007_199_254_740_992),
        ("-9007199254740992", -9_007_199_254_740_992),
        ("0.5", 0.5), ("-0.25", -0.25), ("3.14159", 3.14159), ("0.1", 0.1), ("0.000001", 0.000001),
        ("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001), ("2.5e-3", 0.0025), ("-1.5E+300", -1.5e300),
        ("1e22", 1e22), ("1e23", 1e23), ("1e308", 1e308), ("1.7976931348623157e308", .greatestFiniteMagnitude),
        ("5e-324", .leastNonzeroMagnitude), ("2.2250738585072014e-308", .leastNormalMagnitude),
        ("0e0", 0), ("0.0", 0), ("0E-7", 0), ("10.000", 10), ("123456789012345678901234567890", 1.2345678901234568e29),
        ("0.30000000000000004", 0.30000000000000004), ("4.35", 4.35), ("1.0000000000000002", 1.0000000000000002),
    ]

    @Test(arguments: exactCases.indices)
    func parsesNumber(_ index: Int) throws {
        let (text, expected) = Self.exactCases[index]
        #expect(try number(text) == expected, "\(text)")
    }

    @Test func roundsCorrectlyOnTheSlowPath() throws {
        // Classic hard cases for decimal-to-binary conversion.
        #expect(try number("9007199254740993") == 9_007_199_254_740_992)  // tie rounds to even
        #expect(try number("9007199254740995") == 9_007_199_254_740_996)
        #expect(try number("2.2250738585072011e-308")?.bitPattern == 0x000F_FFFF_FFFF_FFFF)
        #expect(try number("2.4703282292062328e-324") == .leastNonzeroMagnitude)
        #expect(try number("0.1000000000000000055511151231257827021181583404541015625") == 0.1)
        #expect(try number("123456789012345678901234567890e-30") == 0.12345678901234568)
    }

    @Test func underflowIsZeroAndOverflowIsAnError() throws {
        #expect(try number("1e-400") == 0)
        #expect(try number("-1e-400")?.sign == .minus)
        #expect(try number("2.4703282292062327e-324") == 0)
        for text in ["1e999", "-1e400", "1.8e308", "17976931348623159e292"] {
            let error = rejection(text)
            #expect(error?.code == .numberOverflow, "\(text)")
            #expect(error?.reason.contains("overflow") == true)
        }
    }

    @Test func negativeZeroKeepsItsSign() throws {
        for text in ["-0", "-0.0", "-0e5", "-0E-3"] {
            let value = try #require(try number(text))
            #expect(value == 0 && value.sign == .minus, "\(text)")
        }
        #expect(try number("0")?.sign == .plus)
    }

    @Test func integersUpToTwoToTheFiftyThreeAreExact() throws {
        var generator = SplitMix64(seed: 53)
        for _ in 0..<2000 {
            let integer = Int64.random(in: -(1 << 53)...(1 << 53), using: &generator)
            #expect(try number(String(integer)) == Double(integer))
        }
    }
}

/// A small seeded generator so property tests are reproducible.
