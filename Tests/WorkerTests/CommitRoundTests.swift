import Dispatch
import Steps
import Storage
import Synchronization
import TestSupport
import Testing
import Wire

@testable import Worker

/// Answers wait for the round's barrier; one barrier covers every transaction committed before it started.
@Suite struct CommitRoundTests {
    struct BarrierFailure: Error {}

    /// A barrier that counts its calls, can be held closed, and can fail.
    final class Barrier: Sendable {
        private let gate = DispatchSemaphore(value: 0)
        private let state = Mutex((calls: 0, hold: false, fail: false))
        let entered: AsyncStream<Int>
        private let enteredContinuation: AsyncStream<Int>.Continuation

        init(hold: Bool = false, fail: Bool = false) {
            (entered, enteredContinuation) = AsyncStream.makeStream()
            state.withLock {
                $0.hold = hold; $0.fail = fail
            }
        }

        var calls: Int { state.withLock { $0.calls } }

        func run() throws {
            let (call, hold, fail) = state.withLock { state in
                state.calls += 1
                return (state.calls, state.hold, state.fail)
            }
            enteredContinuation.yield(call)
            if hold { gate.wait() }
            if fail { throw BarrierFailure() }
        }

        func open() {
            state.withLock { $0.hold = false }
            gate.signal()
        }

        /// Holds the next barriers until `open()`.
        func close() { state.withLock { $0.hold = true } }
    }

    func item(_ correlation: UInt64, user: String) -> PartitionLane.Item {
        PartitionLane.Item(
            envelope: Envelope(kind: .command, product: .steps, correlation: correlation, origin: "g1"),
            command: .steps(.update(StepsUpdate(updateID: "u\(correlation)", username: user, ts: 1, newSteps: 1))))
    }

    /// Lanes on one commit queue sharing one round, with every answer forwarded to a stream.
    func lanes(_ count: Int, barrier: Barrier) throws -> ([PartitionLane], AsyncStream<[(UInt64, Bool)]>) {
        let queue = DispatchQueue(label: "test.commit")
        let round = CommitRound(queue: queue) { try barrier.run() }
        let (answers, continuation) = AsyncStream.makeStream(of: [(UInt64, Bool)].self)
        let lanes = try (0..<count).map { p in
            let database = try PartitionDatabase(path: ":memory:", partition: UInt16(p), writeTargetQueue: queue)
            return PartitionLane(database: database, limits: .default, memory: .empty, round: round) { items, result in
                let ok = (try? result.get()) != nil
                continuation.yield(items.map { ($0.envelope!.correlation, ok) })
            }
        }
        return (lanes, answers)
    }

    @Test func answersWaitForTheBarrierAndOneBarrierCoversSeveralPartitions() async throws {
        let barrier = Barrier(hold: true)
        let (lanes, answers) = try lanes(3, barrier: barrier)
        var entered = barrier.entered.makeAsyncIterator()

        #expect(lanes[0].submit([item(1, user: "a")]))
        #expect(await entered.next() == 1)
        // The first barrier is held: these commit meanwhile, but none is answered before a barrier after them.
        #expect(lanes[1].submit([item(2, user: "b")]))
        #expect(lanes[2].submit([item(3, user: "c")]))
        #expect(lanes[0].submit([item(4, user: "a")]))
        barrier.open()
        var answered: [UInt64] = []
        for await batch in answers {
            #expect(batch.allSatisfy { $0.1 })
            answered += batch.map(\.0)
            if answered.count == 4 { break }
        }
        #expect(answered.first == 1)
        #expect(Set(answered) == [1, 2, 3, 4])
        // One barrier for the first commit, and at most one more for the three that committed while it was held.
        #expect(barrier.calls == 2)
    }

    func read(_ correlation: UInt64, user: String) -> PartitionLane.Item {
        PartitionLane.Item(
            envelope: Envelope(kind: .command, product: .steps, correlation: correlation, origin: "g1"),
            command: .steps(.get(username: user)))
    }

    @Test func readsOfDurableDataSkipTheBarrierButReadsAfterAnUnansweredWriteWait() async throws {
        let barrier = Barrier()
        let (lanes, answers) = try lanes(1, barrier: barrier)
        var iterator = answers.makeAsyncIterator()
        var entered = barrier.entered.makeAsyncIterator()
        // Nothing written yet: a read is answered after its commit, with no barrier at all.
        #expect(lanes[0].submit([read(1, user: "a")]))
        #expect(try #require(await iterator.next()).map(\.0) == [1])
        #expect(barrier.calls == 0)
        // A write waits for its barrier (held); a read after it may see it, so it waits too.
        barrier.close()
        #expect(lanes[0].submit([item(2, user: "a")]))
        #expect(await entered.next() == 1)
        #expect(lanes[0].submit([read(3, user: "a")]))
        barrier.open()
        var answered: [UInt64] = []
        while answered.count < 2, let batch = await iterator.next() { answered += batch.map(\.0) }
        #expect(answered == [2, 3])
        #expect(barrier.calls == 2)
    }

    @Test func aFailedBarrierFailsTheAnswersItHeld() async throws {
        let barrier = Barrier(fail: true)
        let (lanes, answers) = try lanes(1, barrier: barrier)
        #expect(lanes[0].submit([item(7, user: "a")]))
        var iterator = answers.makeAsyncIterator()
        let batch = try #require(await iterator.next())
        #expect(batch.map(\.0) == [7])
        #expect(batch.allSatisfy { !$0.1 })
    }

    @Test func closeWaitsForAnswersHeldByTheBarrier() async throws {
        let barrier = Barrier(hold: true)
        let queue = DispatchQueue(label: "test.commit")
        let round = CommitRound(queue: queue) { try barrier.run() }
        let log = Mutex<[String]>([])
        let database = try PartitionDatabase(path: ":memory:", partition: 0, writeTargetQueue: queue)
        let lane = PartitionLane(database: database, limits: .default, memory: .empty, round: round) { _, _ in
            log.withLock { $0.append("answer") }
        }
        var entered = barrier.entered.makeAsyncIterator()
        #expect(lane.submit([item(1, user: "a")]))
        #expect(await entered.next() == 1)
        // Committed, not yet answered: the close must wait for the barrier, not only for the commit.
        let closing = Task {
            try await lane.close()
            log.withLock { $0.append("closed") }
        }
        try await pollUntil("the lane to be closing") { lane.isClosing }
        barrier.open()
        try await closing.value
        #expect(log.withLock { $0 } == ["answer", "closed"])
    }
}
