import Testing
import Wire

@Suite struct PartitionerTests {
    /// FNV-1a 64 reference values: the hash must never change, or data would move between partitions.
    @Test func stableReferenceValues() {
        #expect(Partitioner.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(Partitioner.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Partitioner.hash("foobar") == 0x8594_4171_f739_67e8)
        #expect(Partitioner.partition(of: "jenna", count: 64) == UInt16(Partitioner.hash("jenna") % 64))
    }

    @Test func spreadsNamesOverPartitions() {
        var counts = [Int](repeating: 0, count: 64)
        for i in 0..<6400 { counts[Int(Partitioner.partition(of: "user-\(i)", count: 64))] += 1 }
        #expect(counts.allSatisfy { $0 > 50 && $0 < 150 }, "\(counts)")
    }

    @Test func usesUTF8Bytes() {
        // Canonically equal but byte-different names are different users, as they are in SQLite.
        #expect(Partitioner.hash("é") != Partitioner.hash("e\u{301}"))
        #expect(Partitioner.partition(of: "ñandú", count: 7) < 7)
    }
}
