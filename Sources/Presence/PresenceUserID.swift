package import JSON

/// A presence user id: the id a client sent, as a string (`7` and `"7"` are the same user), ordered as the
/// contract lists users: ids that are non-negative integers written without leading zeros come first, in numeric
/// order, then every other id in byte order (contracts §3).
package struct PresenceUserID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id's text.
    package let text: String
    /// Whether `text` is a canonical non-negative integer (`0`, `7`, `123`; not `007`, `-1`, `1.5`).
    package let isNumeric: Bool

    /// Longest id in UTF-8 bytes.
    package static let maxBytes = 256

    /// An id from its text; nil if empty or longer than `maxBytes`.
    package init?(_ text: String) {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= Self.maxBytes else { return nil }
        self.text = text
        let digits = bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        isNumeric = digits && (bytes.count == 1 || bytes.first != UInt8(ascii: "0"))
    }

    /// The id in a request body: a string, or a number written as JavaScript writes it (`7`, `1.5`, `-3`).
    package init?(json: JSONValue) {
        switch json {
        case .string(let s): self.init(s)
        case .number(let n): self.init(formatJSONNumber(n))
        default: return nil
        }
    }

    /// The id's text.
    package var description: String { text }

    /// Numeric ids first, by value; then the others by their UTF-8 bytes.
    package static func < (lhs: PresenceUserID, rhs: PresenceUserID) -> Bool {
        switch (lhs.isNumeric, rhs.isNumeric) {
        case (true, false): return true
        case (false, true): return false
        case (true, true):
            // Canonical integers: the shorter is smaller; equal lengths compare digit by digit.
            let (l, r) = (lhs.text.utf8.count, rhs.text.utf8.count)
            return l != r ? l < r : lhs.text.utf8.lexicographicallyPrecedes(rhs.text.utf8)
        case (false, false):
            return lhs.text.utf8.lexicographicallyPrecedes(rhs.text.utf8)
        }
    }
}
