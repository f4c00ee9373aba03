import Foundation
import Steps
import Storage
import Testing

@Suite struct StepsRepositoryTests {
    func update(_ id: String, _ steps: Double, ts: Double = 1, user: String = "jenna") -> StepsCommand {
        .update(StepsUpdate(updateID: id, username: user, ts: ts, newSteps: steps))
    }

    @Test func batchAppliesInOrderAndDedupes() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let replies = try db.writeSync { db in
            try StepsRepository.apply(
                [
                    .get(username: "jenna"), update("a", 10, ts: 5), update("b", 2.5, ts: 3), update("a", 10, ts: 9),
                    .get(username: "jenna"),
                ], in: db)
        }
        #expect(
            replies == [
                .user(nil), .updated(duplicate: false), .updated(duplicate: false), .updated(duplicate: true),
                .user(UserSteps(cumulativeSteps: 12.5, ts: 3, appliedCount: 2)),
            ])
    }

    @Test func aBatchWritesEachUsersFinalStateOnce() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let batch = (1...100).map { update("u\($0)", Double($0), ts: Double($0), user: $0 % 2 == 0 ? "even" : "odd") }
        let replies = try db.writeSync { try StepsRepository.apply(batch, in: $0) }
        #expect(replies == Array(repeating: .updated(duplicate: false), count: 100))
        // A later transaction reads what the batch stored, not its in-memory view.
        let stored = try db.writeSync { db in
            try ["even", "odd", "nobody"].map { try StepsRepository.user($0, in: db) }
        }
        #expect(
            stored == [
                UserSteps(cumulativeSteps: 2550, ts: 100, appliedCount: 50),
                UserSteps(cumulativeSteps: 2500, ts: 99, appliedCount: 50), nil,
            ])
        let again = try db.writeSync { try StepsRepository.apply([batch[41], batch[42]], in: $0) }
        #expect(again == [.updated(duplicate: true), .updated(duplicate: true)])
    }

    @Test func dedupeIsPerUser() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let replies = try db.writeSync { db in
            try StepsRepository.apply([update("same", 1, user: "a"), update("same", 1, user: "b")], in: db)
        }
        #expect(replies == [.updated(duplicate: false), .updated(duplicate: false)])
    }

    @Test func windowForgetsOldIdsOnly() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let limits = StepsLimits(dedupeWindow: 2)
        let replies = try db.writeSync { db in
            try StepsRepository.apply(
                [update("1", 1), update("2", 1), update("3", 1), update("3", 1), update("2", 1), update("1", 1)],
                in: db, limits: limits)
        }
        // "1" fell out of a window of two, so it counts again; "2" and "3" are still remembered.
        #expect(
            replies == [
                .updated(duplicate: false), .updated(duplicate: false), .updated(duplicate: false),
                .updated(duplicate: true), .updated(duplicate: true), .updated(duplicate: false),
            ])
    }

    @Test func survivesReopen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(PartitionDatabase.fileName(partition: 7)).path
        #expect(path.hasSuffix("p-0007.sqlite"))
        do {
            let db = try PartitionDatabase(path: path, partition: 7)
            _ = try db.writeSync { try StepsRepository.apply([update("a", 4, ts: 2)], in: $0) }
            try db.close()
        }
        let db = try PartitionDatabase(path: path, partition: 7)
        let replies = try db.writeSync { try StepsRepository.apply([update("a", 4), .get(username: "jenna")], in: $0) }
        #expect(replies == [.updated(duplicate: true), .user(UserSteps(cumulativeSteps: 4, ts: 2, appliedCount: 1))])
        try db.close()
    }
}
