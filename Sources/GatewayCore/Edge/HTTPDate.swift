/// The `Date` header's value (RFC 9110 §5.6.7, IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`), kept for the second
/// it was made in: a connection answering many requests a second formats it once.
package struct HTTPDateCache {
    private var second: Int64 = .min
    private var text = ""

    /// An empty cache.
    package init() {}

    /// The header value for `secondsSinceEpoch` (UTC).
    package mutating func value(secondsSinceEpoch: Int64) -> String {
        if secondsSinceEpoch != second {
            second = secondsSinceEpoch
            text = Self.format(secondsSinceEpoch)
        }
        return text
    }

    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate of `seconds` since 1970-01-01T00:00:00Z.
    package static func format(_ seconds: Int64) -> String {
        let (dayNumber, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: dayNumber)
        let weekday = days[Int(dayNumber.floorDivided(by: 7).remainder)]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let time = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        return "\(weekday), \(two(day)) \(months[Int(month) - 1]) \(year) \(time) GMT"
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), by the usual era arithmetic
    /// (400-year eras of 146 097 days, years starting in March so that the leap day comes last).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468  // days from 0000-03-01
        let era = shifted.floorDivided(by: 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    /// Quotient rounded towards minus infinity and the remainder that goes with it (never negative for a positive
    /// divisor).
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = (self >= 0 ? self : self - divisor + 1) / divisor
        return (quotient, self - quotient * divisor)
    }
}
