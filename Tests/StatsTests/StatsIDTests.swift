import Stats
import Testing

@Suite struct StatsIDTests {
    @Test func parsesEitherCaseAndWritesLowercase() throws {
        let id = try #require(StatsID("3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
        #expect(id.description == "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        #expect(StatsID("3f2504e0-4f89-11d3-9a0c-0305e82c3301") == id)
        #expect(id.high == 0x3F25_04E0_4F89_11D3)
        #expect(id.low == 0x9A0C_0305_E82C_3301)
        #expect(StatsID("00000000-0000-0000-0000-000000000000")?.description == "00000000-0000-0000-0000-000000000000")
        #expect(StatsID("ffffffff-ffff-ffff-ffff-ffffffffffff") == StatsID(high: .max, low: .max))
    }

    @Test(arguments: [
        "", "3f2504e0", "3f2504e04f8911d39a0c0305e82c3301", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
        "3f2504e0-4f89-11d3-9a0c-0305e82c33011", "3f2504e0-4f89-11d3-9a0c-0305e82c330",
        " 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "3f2504e0_4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
        "3f2504e-04f89-11d3-9a0c-0305e82c3301",
        "urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c33é",
    ])
    func rejectsOtherShapes(_ text: String) {
        #expect(StatsID(text) == nil)
    }

    @Test func bytesRoundTripAndSortLikeText() throws {
        let a = try #require(StatsID("00000000-0000-0000-0000-0000000000ff"))
        let b = try #require(StatsID("00000000-0000-0001-0000-000000000000"))
        #expect(a.bytes == Array(repeating: 0, count: 15) + [0xFF])
        #expect(StatsID(bytes: b.bytes) == b)
        #expect(StatsID(bytes: [1, 2, 3]) == nil)
        #expect(a < b)
        #expect(a.description < b.description)
    }
}
