import Dispatch
import Foundation
import Presence
import Steps
import Storage
import Synchronization
import TestSupport
import Testing
import Wire

@testable import Worker

/// The group-commit lane: what waits during a transaction goes into the next one, in order, bounded in size.
@Suite struct PartitionLaneTests {
    /// Records every transaction the lane answers and can hold the first one open, so tests decide what is waiting
    /// while a commit is in flight without timing assumptions.
    final class Recorder: Sendable {
        let transactions: AsyncStream<[(UInt64, PartitionReply?)]>
        private let continuation: AsyncStream<[(UInt64, PartitionReply?)]>.Continuation
        private let gate = DispatchSemaphore(value: 0)
        private let holdFirst: Bool
        private let seen = Mutex(0)

        init(holdFirst: Bool) {
            (transactions, continuation) = AsyncStream.makeStream()
            self.holdFirst = holdFirst
        }

        func answer(_ items: [PartitionLane.Item], _ result: Result<PartitionRepository.Outcome, any Error>) {
            let entries: [(UInt64, PartitionReply?)]
            switch result {
            case .success(let outcome):
                entries = zip(items, outcome.replies).map { ($0.envelope!.correlation, $1) }
            case .failure:
                // A failed transaction answers nil for each of its commands.
                entries = items.map { ($0.envelope!.correlation, nil) }
            }
            continuation.yield(entries)
            let first = seen.withLock { count in
                count += 1
                return count == 1
            }
            // Runs on the writer queue: while it waits, the lane cannot start its next transaction.
            if first && holdFirst { gate.wait() }
        }

        func release() { gate.signal() }
    }

    func item(_ correlation: UInt64, user: String = "jenna", steps: Double = 1) -> PartitionLane.Item {
        PartitionLane.Item(
            envelope: Envelope(kind: .command, product: .steps, correlation: correlation, origin: "g1"),
            command: .steps(.update(StepsUpdate(updateID: "u\(correlation)", username: user, ts: 1, newSteps: steps))))
    }

    func makeLane(_ recorder: Recorder) throws -> PartitionLane {
        let database = try PartitionDatabase(path: ":memory:", partition: 3)
        return PartitionLane(database: database, limits: .default, memory: .empty) { recorder.answer($0, $1) }
    }

    @Test func commandsArrivingDuringACommitShareTheNextTransaction() async throws {
        let recorder = Recorder(holdFirst: true)
        let lane = try makeLane(recorder)
        var transactions = recorder.transactions.makeAsyncIterator()

        #expect(lane.submit([item(1)]))
        let first = try #require(await transactions.next())
        #expect(first.map(\.0) == [1])
        // The first transaction is held open: these three wait, then commit together, in submission order.
        #expect(lane.submit([item(2), item(3)]))
        #expect(lane.submit([item(4, user: "other")]))
        recorder.release()
        let second = try #require(await transactions.next())
        #expect(second.map(\.0) == [2, 3, 4])
        #expect(second.allSatisfy { $0.1 == .steps(.updated(duplicate: false)) })
        // Duplicates of committed ids are answered as duplicates, not applied again.
        #expect(
            lane.submit([
                item(2), PartitionLane.Item(envelope: item(9).envelope, command: .steps(.get(username: "jenna"))),
            ]))
        let third = try #require(await transactions.next())
        #expect(
            third.map(\.1) == [
                .steps(.updated(duplicate: true)),
                .steps(.user(UserSteps(cumulativeSteps: 3, ts: 1, appliedCount: 3))),
            ])
    }

    @Test func aBacklogIsSplitAtTheTransactionLimit() async throws {
        let recorder = Recorder(holdFirst: true)
        let lane = try makeLane(recorder)
        var transactions = recorder.transactions.makeAsyncIterator()

        #expect(lane.submit([item(0)]))
        _ = await transactions.next()
        let backlog = (1...UInt64(PartitionLane.transactionLimit + 5)).map { item($0, user: "u\($0 % 7)") }
        #expect(lane.submit(backlog))
        recorder.release()
        let big = try #require(await transactions.next())
        let rest = try #require(await transactions.next())
        #expect(big.count == PartitionLane.transactionLimit)
        #expect(big.map(\.0) + rest.map(\.0) == backlog.map(\.envelope!.correlation))
    }

    @Test func closeWaitsForAcceptedCommandsThenRefusesNewOnes() async throws {
        let recorder = Recorder(holdFirst: true)
        let lane = try makeLane(recorder)
        var transactions = recorder.transactions.makeAsyncIterator()

        #expect(lane.submit([item(1)]))
        _ = await transactions.next()
        #expect(lane.submit([item(2)]))
        async let closed: Void = lane.close()
        // Accepted before the close: still committed and answered.
        recorder.release()
        let second = try #require(await transactions.next())
        #expect(second.map(\.0) == [2])
        try await closed
        #expect(!lane.submit([item(3)]))
    }
}

/// Reads answered at once on the caller's thread: only when they would see exactly what the queued path would.
@Suite struct PartitionLaneReadNowTests {
    func get(_ correlation: UInt64, user: String = "jenna") -> PartitionLane.Item {
        PartitionLane.Item(
            envelope: Envelope(kind: .command, product: .steps, correlation: correlation, origin: "g1"),
            command: .steps(.get(username: user)))
    }

    /// A lane on a file in a fresh folder (a read-only connection needs a file), and the folder to remove.
    func makeFileLane(_ recorder: PartitionLaneTests.Recorder) throws -> (PartitionLane, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lane-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try PartitionDatabase(path: folder.appendingPathComponent("p.sqlite").path, partition: 3)
        let lane = PartitionLane(database: database, limits: .default, memory: .empty) { recorder.answer($0, $1) }
        return (lane, folder.path)
    }

    @Test func anIdlePartitionIsReadAtOnceAndSeesEveryAnsweredWrite() async throws {
        let recorder = PartitionLaneTests.Recorder(holdFirst: false)
        let (lane, folder) = try makeFileLane(recorder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var transactions = recorder.transactions.makeAsyncIterator()

        let missing = try #require(lane.readNow([get(1)]))
        #expect(missing.replies == [.steps(.user(nil))])
        #expect(lane.submit([PartitionLaneTests().item(2, steps: 5)]))
        _ = try #require(await transactions.next())
        // Answered, so the lane is idle again once its completion has returned; wait for that rather than guess.
        let read = try await pollUntilRead(lane, [get(3)])
        #expect(read.replies == [.steps(.user(UserSteps(cumulativeSteps: 5, ts: 1, appliedCount: 1)))])
        try await lane.close()
    }

    @Test func aBusyPartitionOrAWriteTakesTheQueuedPath() async throws {
        let recorder = PartitionLaneTests.Recorder(holdFirst: true)
        let (lane, folder) = try makeFileLane(recorder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var transactions = recorder.transactions.makeAsyncIterator()

        // A write among the reads: never read at once.
        #expect(lane.readNow([get(1), PartitionLaneTests().item(2)]) == nil)
        #expect(lane.submit([PartitionLaneTests().item(3)]))
        _ = try #require(await transactions.next())
        // The first transaction's answer is being given (held): a read now could run before it is, so it waits.
        #expect(lane.readNow([get(4)]) == nil)
        recorder.release()
        _ = try await pollUntilRead(lane, [get(5)])
        try await lane.close()
        // Closed: nothing is read any more.
        #expect(lane.readNow([get(6)]) == nil)
    }

    @Test func anInMemoryDatabaseHasNoReaderSoReadsAreQueued() throws {
        let recorder = PartitionLaneTests.Recorder(holdFirst: false)
        let lane = try PartitionLaneTests().makeLane(recorder)
        #expect(lane.readNow([get(1)]) == nil)
        // And the lane is not left claimed: a command still commits.
        #expect(lane.submit([get(2)]))
    }

    /// `readNow` once the lane has finished its completion (it goes idle just after answering).
    func pollUntilRead(_ lane: PartitionLane, _ items: [PartitionLane.Item]) async throws
        -> PartitionRepository.Outcome
    {
        var outcome: PartitionRepository.Outcome?
        try await pollUntil("the lane to be idle", deadline: .seconds(5)) {
            outcome = lane.readNow(items)
            return outcome != nil
        }
        return try #require(outcome)
    }
}

extension PartitionMemory {
    /// A partition with no presence records.
    static var empty: PartitionMemory {
        PartitionMemory(presence: PresenceState(settings: PresenceSettings()), openedAt: 0)
    }
}
