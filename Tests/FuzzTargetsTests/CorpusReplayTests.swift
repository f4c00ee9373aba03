import Foundation
import FuzzTargets
import Testing

/// Every input of the committed fuzzing corpus (scripts/fuzz.sh grows it) goes through its target again: what the
/// fuzzer once found interesting, and anything it found crashing once fixed, keeps being tried.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    @Test(arguments: FuzzTarget.allCases)
    func theCorpusRunsThroughItsTarget(_ target: FuzzTarget) throws {
        let folder = Self.corpus.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!files.isEmpty, "no corpus for \(target.rawValue)")
        for file in files {
            target.run(Array(try Data(contentsOf: folder.appendingPathComponent(file))))
        }
    }

    @Test func edgeCasesOfEveryTarget() {
        for target in FuzzTarget.allCases {
            for input: [UInt8] in [[], [0], [0xFF], Array(repeating: 0x5B, count: 10_000), Array(0...255)] {
                target.run(input)
            }
        }
    }
}
