import SocketIO
import TestSupport
import Testing

@Suite struct SocketIOIdentifierTests {
    @Test func isTwentyURLSafeCharacters() {
        var random = SplitMix64(seed: 7)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var seen: Set<String> = []
        for _ in 0..<1_000 {
            let id = SocketIOIdentifier.make(using: &random)
            #expect(id.count == 20)
            #expect(id.allSatisfy(allowed.contains))
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }

    @Test func takesFifteenBytesFromTheGenerator() {
        // Bytes 0x00…0x0E: the first word gives 0–7, the second 8–14 (its top byte is unused).
        struct Counting: RandomNumberGenerator {
            var words: [UInt64] = [0x0706_0504_0302_0100, 0xFF0E_0D0C_0B0A_0908]
            mutating func next() -> UInt64 { words.removeFirst() }
        }
        var generator = Counting()
        #expect(SocketIOIdentifier.make(using: &generator) == "AAECAwQFBgcICQoLDA0O")
    }

    @Test func reproducesTheReferenceIDs() {
        var random = ScriptedRandom(ids: ["lv_VI97HAXpY6yYWAAAC", "wZX3oN0bSVIhsaknAAAI"])
        #expect(SocketIOIdentifier.make(using: &random) == "lv_VI97HAXpY6yYWAAAC")
        #expect(SocketIOIdentifier.make(using: &random) == "wZX3oN0bSVIhsaknAAAI")
    }

    @Test func systemGeneratorGivesDistinctIDs() {
        var random = SystemRandomNumberGenerator()
        let a = SocketIOIdentifier.make(using: &random)
        let b = SocketIOIdentifier.make(using: &random)
        #expect(a != b)
        #expect(a.count == 20)
    }
}
