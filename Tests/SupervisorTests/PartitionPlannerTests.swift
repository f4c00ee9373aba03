import Supervisor
import Testing

@Suite struct PartitionPlannerTests {
    typealias Assignment = [(id: String, partitions: [UInt16])]

    /// Applies `moves` and returns each member's count, checking every move starts at the current owner.
    func apply(_ moves: [PartitionPlanner.Move], to assignment: Assignment) -> [String: [UInt16]] {
        var owners: [UInt16: String] = [:]
        for (id, ps) in assignment { for p in ps { owners[p] = id } }
        for m in moves {
            #expect(owners[m.partition] == m.from)
            owners[m.partition] = m.to
        }
        var result: [String: [UInt16]] = [:]
        for (p, id) in owners { result[id, default: []].append(p) }
        return result.mapValues { $0.sorted() }
    }

    @Test func addingAWorkerMovesOnlyItsShare() {
        let start: Assignment = [("w1", [0, 2, 4, 6]), ("w2", [1, 3, 5, 7])]
        let moves = PartitionPlanner.moves(assignment: start, members: ["w1", "w2", "w3"])
        #expect(moves.count == 2)
        #expect(moves.allSatisfy { $0.to == "w3" })
        let after = apply(moves, to: start)
        #expect(after.values.map(\.count).sorted() == [2, 3, 3])
        // Each giver keeps its lowest-numbered partitions.
        #expect(Set(moves.map(\.partition)) == [6, 7])
    }

    @Test func removingAWorkerGivesEverythingAwayEvenly() {
        let start: Assignment = [("w1", [0, 3, 6]), ("w2", [1, 4, 7]), ("w3", [2, 5])]
        let moves = PartitionPlanner.moves(assignment: start, members: ["w1", "w3"])
        #expect(moves.allSatisfy { $0.from == "w2" })
        let after = apply(moves, to: start)
        #expect(after["w2"] == nil)
        #expect(after["w1"]?.count == 4 && after["w3"]?.count == 4)
    }

    @Test func aBalancedFleetNeedsNoMoves() {
        let start: Assignment = [("w1", [0, 2, 4]), ("w2", [1, 3])]
        #expect(PartitionPlanner.moves(assignment: start, members: ["w1", "w2"]).isEmpty)
        #expect(PartitionPlanner.moves(assignment: start, members: []).isEmpty)
    }

    @Test func everyPlanIsBalancedAndMinimal() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let partitions = Int.random(in: 1...64, using: &rng)
            let workers = (1...Int.random(in: 1...6, using: &rng)).map { "w\($0)" }
            var start: Assignment = workers.map { ($0, []) }
            for p in 0..<partitions {
                let i = Int.random(in: 0..<workers.count, using: &rng)
                start[i].partitions.append(UInt16(p))
            }
            var members = workers.filter { _ in Bool.random(using: &rng) }
            if Bool.random(using: &rng) { members.append("w9") }
            guard !members.isEmpty else { continue }
            let moves = PartitionPlanner.moves(assignment: start, members: members)
            let after = apply(moves, to: start)
            #expect(Set(after.keys).isSubset(of: Set(members)))
            let counts = members.map { after[$0]?.count ?? 0 }
            #expect(counts.max()! - counts.min()! <= 1)
            #expect(counts.reduce(0, +) == partitions)
            // Minimal: what leaving workers hold, plus what staying ones hold over their share, where the larger
            // holders get the ⌈P/n⌉ shares.
            let held = members.map { id in start.first { $0.id == id }?.partitions.count ?? 0 }.sorted(by: >)
            let extra = partitions % members.count
            var minimum = start.filter { !members.contains($0.id) }.reduce(0) { $0 + $1.partitions.count }
            for (rank, count) in held.enumerated() {
                minimum += max(0, count - (partitions / members.count + (rank < extra ? 1 : 0)))
            }
            #expect(moves.count == minimum)
            #expect(Set(moves.map(\.partition)).count == moves.count)
        }
    }
}
