/// Formats a double as JavaScript's `Number.prototype.toString` (and so `JSON.stringify`) does.
///
/// Shortest round-trip digits; integral values without ".0" (`1503031275211`); plain notation for
/// 1e-7 < |x| < 1e21 (`100000000000000000000`, `0.000001`), exponent form otherwise (`1e+21`, `1.5e-7`);
/// `-0` as `0`. Non-finite values give `NaN`, `Infinity`, `-Infinity` as in JavaScript; ``JSONWriter``
/// writes them as `null` instead.
package func formatJSONNumber(_ d: Double) -> String {
    if d.isNaN {
        return "NaN"
    } else if d.isInfinite {
        return d < 0 ? "-Infinity" : "Infinity"
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(24)
    JSONNumberFormat.append(d, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Byte-level number formatting shared by ``formatJSONNumber(_:)`` and ``JSONWriter``.
enum JSONNumberFormat {
    /// Appends a finite double in JavaScript's format.
    static func append(_ d: Double, to bytes: inout [UInt8]) {
        if d == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        // Up to 2^53 every integer is its own shortest representation, so it prints as its Int64 value: the common
        // case for timestamps and counts. (Above, JS prints shortest digits padded with zeros: 2^60 is
        // 1152921504606847000.) Converting rather than calling `rounded()` keeps libm out of clients.
        if d.magnitude <= 0x1p53 {
            let integer = Int64(d)
            if Double(integer) == d {
                append(integer, to: &bytes)
                return
            }
        }
        appendShortest(d, to: &bytes)
    }

    /// Appends an integer in decimal.
    static func append(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(of: value.magnitude, to: &bytes)
    }

    /// Appends the decimal digits of `value`.
    static func appendDigits(of value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var remaining = value
            var i = 20
            repeat {
                i -= 1
                let (quotient, digit) = remaining.quotientAndRemainder(dividingBy: 10)
                digits[i] = UInt8(truncatingIfNeeded: digit) &+ UInt8(ascii: "0")
                remaining = quotient
            } while remaining != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    /// Re-lays out Swift's shortest round-trip digits (`description`) per ECMAScript Number::toString.
    private static func appendShortest(_ d: Double, to bytes: inout [UInt8]) {
        // Swift prints e.g. "1.2345678901234568e+20", "1e-07", "0.001", "12345.678": collect the digits,
        // where the decimal point falls, and the exponent.
        var significand: UInt64 = 0
        var digitCount = 0
        var integerDigits = 0
        var seenPoint = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        var leadingZeros = 0
        for unit in d.magnitude.description.utf8 {
            switch unit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(unit &- UInt8(ascii: "0"))
                if inExponent {
                    exponent = exponent * 10 + digit
                } else {
                    if !seenPoint { integerDigits += 1 }
                    if digitCount == 0, digit == 0 {
                        leadingZeros += 1
                    } else {
                        significand = significand * 10 + UInt64(digit)
                        digitCount += 1
                    }
                }
            case UInt8(ascii: "."): seenPoint = true
            case UInt8(ascii: "e"): inExponent = true
            case UInt8(ascii: "-"): exponentNegative = true
            default: break  // "+"
            }
        }
        while significand % 10 == 0 {
            significand /= 10
            digitCount -= 1
        }
        if exponentNegative { exponent = -exponent }
        // The value is 0.DIGITS × 10^n, as in the specification.
        let k = digitCount
        let n = integerDigits + exponent - leadingZeros

        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { storage in
            var remaining = significand
            for i in stride(from: k - 1, through: 0, by: -1) {
                storage[i] = UInt8(truncatingIfNeeded: remaining % 10) &+ UInt8(ascii: "0")
                remaining /= 10
            }
            let digits = UnsafeBufferPointer(rebasing: storage[0..<k])

            if d < 0 { bytes.append(UInt8(ascii: "-")) }
            if k <= n, n <= 21 {
                bytes.append(contentsOf: digits)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
            } else if 0 < n, n <= 21 {
                bytes.append(contentsOf: digits[0..<n])
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[n...])
            } else if -6 < n, n <= 0 {
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
                bytes.append(contentsOf: digits)
            } else {
                bytes.append(digits[0])
                if k > 1 {
                    bytes.append(UInt8(ascii: "."))
                    bytes.append(contentsOf: digits[1...])
                }
                bytes.append(UInt8(ascii: "e"))
                let e = n - 1
                bytes.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                appendDigits(of: UInt64(e.magnitude), to: &bytes)
            }
        }
    }
}
