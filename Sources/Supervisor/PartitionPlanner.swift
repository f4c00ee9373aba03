/// Decides which partitions move when workers join or leave: the fewest moves that leave every remaining worker
/// with ⌊P/n⌋ or ⌈P/n⌉ partitions. Pure, so the rules are unit-tested.
package enum PartitionPlanner {
    /// One partition's move.
    package struct Move: Codable, Sendable, Hashable {
        /// The partition.
        package var partition: UInt16
        /// Its current owner.
        package var from: String
        /// Its next owner.
        package var to: String

        /// Creates a move.
        package init(partition: UInt16, from: String, to: String) {
            self.partition = partition
            self.from = from
            self.to = to
        }
    }

    /// The moves that balance `assignment` (owner → partitions, in the fleet's order) over `members` (the workers
    /// that stay or join, in order). Workers in `assignment` but not in `members` give up every partition. A worker
    /// keeps its lowest-numbered partitions and gives its highest away, so a plan is deterministic; the workers
    /// that already hold the most keep the ⌈P/n⌉ shares.
    package static func moves(assignment: [(id: String, partitions: [UInt16])], members: [String]) -> [Move] {
        guard !members.isEmpty else { return [] }
        let total = assignment.reduce(0) { $0 + $1.partitions.count }
        let base = total / members.count
        var extra = total % members.count
        let held = Dictionary(assignment.map { ($0.id, $0.partitions.sorted()) }, uniquingKeysWith: { a, _ in a })
        // Larger holders first for the extra shares: fewer moves.
        let byHolding = members.enumerated().sorted { a, b in
            let (ca, cb) = (held[a.element]?.count ?? 0, held[b.element]?.count ?? 0)
            return ca != cb ? ca > cb : a.offset < b.offset
        }
        var target: [String: Int] = [:]
        for (_, id) in byHolding {
            target[id] = base + (extra > 0 ? 1 : 0)
            if extra > 0 { extra -= 1 }
        }
        var surplus: [(partition: UInt16, from: String)] = []
        for (id, partitions) in assignment {
            let keep = target[id] ?? 0
            if partitions.count > keep {
                for p in partitions.sorted().dropFirst(keep) { surplus.append((p, id)) }
            }
        }
        surplus.sort { $0.partition < $1.partition }
        var moves: [Move] = []
        var next = surplus.makeIterator()
        for id in members {
            let need = (target[id] ?? 0) - (held[id]?.count ?? 0)
            guard need > 0 else { continue }
            for _ in 0..<need {
                guard let give = next.next() else { break }
                moves.append(Move(partition: give.partition, from: give.from, to: id))
            }
        }
        return moves.sorted { $0.partition < $1.partition }
    }
}
