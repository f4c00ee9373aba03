/// A JSON object: keys in the order they first appeared, each with the value it was last given.
///
/// Duplicate keys collapse as in JavaScript's `JSON.parse`: the last value wins, at the first key's position.
/// Equality and hashing ignore key order, like `Dictionary`.
package struct JSONObject: Sendable, Hashable, Sequence {
    struct Entry: Sendable, Hashable {
        var key: String
        var value: JSONValue
    }

    /// Above this many keys, lookups go through a hash index instead of a linear scan.
    static let indexThreshold = 16

    private(set) var entries: [Entry]
    /// Key → position in `entries`; only built for objects larger than `indexThreshold`.
    private var index: [String: Int]?

    /// Creates an empty object.
    package init() {
        entries = []
        index = nil
    }

    /// Creates an object from key–value pairs; for a repeated key the last value wins.
    package init(_ pairs: [(String, JSONValue)]) {
        self.init(uniquing: pairs.map { Entry(key: $0.0, value: $0.1) })
    }

    /// Takes entries in document order and collapses duplicate keys.
    init(uniquing entries: [Entry]) {
        let count = entries.count
        if count <= Self.indexThreshold {
            if !Self.hasDuplicateKeys(entries) {
                self.entries = entries
                self.index = nil
                return
            }
            var unique: [Entry] = []
            unique.reserveCapacity(count)
            for entry in entries {
                if let position = unique.firstIndex(where: { $0.key == entry.key }) {
                    unique[position].value = entry.value
                } else {
                    unique.append(entry)
                }
            }
            self.entries = unique
            self.index = nil
            return
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(count)
        var unique: [Entry] = []
        unique.reserveCapacity(count)
        for entry in entries {
            if let position = index[entry.key] {
                unique[position].value = entry.value
            } else {
                index[entry.key] = unique.count
                unique.append(entry)
            }
        }
        self.entries = unique
        self.index = unique.count > Self.indexThreshold ? index : nil
    }

    private static func hasDuplicateKeys(_ entries: [Entry]) -> Bool {
        var i = 1
        while i < entries.count {
            let key = entries[i].key
            var j = 0
            while j < i {
                if entries[j].key == key { return true }
                j += 1
            }
            i += 1
        }
        return false
    }

    /// The value for `key`, or nil when the object has no such key.
    package subscript(key: String) -> JSONValue? {
        if let index {
            guard let position = index[key] else { return nil }
            return entries[position].value
        }
        for entry in entries where entry.key == key {
            return entry.value
        }
        return nil
    }

    /// The number of distinct keys.
    package var count: Int { entries.count }

    /// Whether the object has no keys.
    package var isEmpty: Bool { entries.isEmpty }

    /// The keys in order.
    package var keys: [String] { entries.map(\.key) }

    /// Iterates `(key, value)` pairs in order.
    package func makeIterator() -> Iterator { Iterator(base: entries.makeIterator()) }

    /// The number of pairs, for `Sequence` consumers that reserve capacity.
    package var underestimatedCount: Int { entries.count }

    /// Iterates an object's pairs in order.
    package struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Entry]>

        /// The next pair, or nil at the end.
        package mutating func next() -> (key: String, value: JSONValue)? {
            guard let entry = base.next() else { return nil }
            return (entry.key, entry.value)
        }
    }

    /// Objects are equal when they have the same keys with equal values, in any order.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        if lhs.entries == rhs.entries { return true }
        for entry in lhs.entries {
            guard let other = rhs[entry.key], other == entry.value else { return false }
        }
        return true
    }

    /// Hashes the pairs independently of their order, consistently with `==`.
    package func hash(into hasher: inout Hasher) {
        var combined = 0
        for entry in entries {
            var pairHasher = Hasher()
            pairHasher.combine(entry.key)
            pairHasher.combine(entry.value)
            combined ^= pairHasher.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }
}
