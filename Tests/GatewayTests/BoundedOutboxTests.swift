import Fleet
import Synchronization
import Testing

@testable import Gateway
@testable import GatewayCore

@Suite struct BoundedOutboxTests {
    private final class Count: Sendable {
        let value = Mutex(0)
        var current: Int { value.withLock { $0 } }
        func add() { value.withLock { $0 += 1 } }
    }

    private static func outbox(
        messages: Int, bytes: Int = 1000, size: @escaping @Sendable (Int) -> Int = { _ in 1 },
        overflows: Count = Count(),
        wakes: Count = Count(), policy: EdgePolicy? = nil, supersedes: (@Sendable (Int) -> Bool)? = nil
    ) -> BoundedOutbox<Int> {
        BoundedOutbox<Int>(
            maxMessages: messages, maxBytes: bytes, size: size, overflow: -1, accounting: policy,
            supersedes: supersedes, onOverflow: { overflows.add() }, wake: { wakes.add() })
    }

    @Test func holdsUpToTheLimitThenEndsWithTheOverflowItemAloneOnce() {
        let overflows = Count()
        let outbox = Self.outbox(messages: 3, overflows: overflows)
        #expect(outbox.send(1) && outbox.send(2))
        #expect(outbox.takeQueued().items == [1, 2])
        #expect(outbox.send(3))
        // Three unwritten: the fourth overflows, and 3 (queued, never taken) is dropped with it.
        #expect(!outbox.send(4))
        #expect(!outbox.send(5))
        let last = outbox.takeQueued()
        #expect(last.items == [-1] && last.finished)
        #expect(overflows.current == 1)
    }

    @Test func wakesOnceUntilTaken() {
        let wakes = Count()
        let outbox = Self.outbox(messages: 10, wakes: wakes)
        #expect(outbox.send(1) && outbox.send(2))
        #expect(wakes.current == 1)
        #expect(outbox.takeQueued().items == [1, 2])
        #expect(outbox.send(3))
        #expect(wakes.current == 2)
    }

    @Test func writtenItemsMakeRoom() {
        let outbox = Self.outbox(messages: 2)
        for n in 0..<10 {
            #expect(outbox.send(n))
            #expect(outbox.takeQueued().items == [n])
            outbox.written(n)
        }
        #expect(outbox.send(10) && outbox.send(11))
        #expect(!outbox.send(12))
    }

    @Test func boundsBytesButTakesOneLargeItemIntoAnEmptyOutbox() {
        // Items weigh their own value in bytes.
        let outbox = Self.outbox(messages: 100, bytes: 10, size: { $0 })
        #expect(outbox.send(50))
        #expect(outbox.takeQueued().items == [50])
        outbox.written(50)
        #expect(outbox.send(4) && outbox.send(6))
        #expect(!outbox.send(1))
        #expect(outbox.takeQueued().items == [-1])
    }

    @Test func finishWithQueuesTheLastItemWhateverTheBoundThenRefusesMore() {
        let outbox = Self.outbox(messages: 1)
        #expect(outbox.send(1))
        outbox.finish(with: 99)
        #expect(!outbox.send(2))
        let taken = outbox.takeQueued()
        #expect(taken.items == [1, 99] && taken.finished)
    }

    @Test func discardingFreesTheGatewaysCountAndEndsTheOutbox() {
        let policy = EdgePolicy(limits: EdgeLimits(), descriptors: 1024, counters: ProcessCounters())
        let outbox = Self.outbox(messages: 10, size: { $0 }, policy: policy)
        #expect(outbox.send(7) && outbox.send(8))
        #expect(policy.queuedBytes == 15)
        outbox.discard()
        #expect(policy.queuedBytes == 0)
        #expect(!outbox.send(1))
        #expect(outbox.takeQueued().items.isEmpty)
    }

    @Test func aNewerSupersedingItemTakesThePlaceOfOneNotYetTaken() {
        // Negative items are states of which only the newest matters; each weighs its absolute value in bytes.
        let policy = EdgePolicy(limits: EdgeLimits(), descriptors: 1024, counters: ProcessCounters())
        let outbox = Self.outbox(messages: 3, size: { abs($0) }, policy: policy, supersedes: { $0 < 0 })
        #expect(outbox.send(-10) && outbox.send(5) && outbox.send(-20) && outbox.send(-30))
        #expect(policy.queuedBytes == 35)
        let taken = outbox.takeQueued()
        #expect(taken.items == [-30, 5])
        // Once taken, a new state is queued after it rather than replacing it (the handler coalesces its own).
        #expect(outbox.send(-40))
        #expect(outbox.takeQueued().items == [-40])
        for item in taken.items + [-40] { outbox.written(item) }
        #expect(policy.queuedBytes == 0)
        // Superseding items still count against the bound: 3 messages, then the overflow.
        #expect(outbox.send(1) && outbox.send(2) && outbox.send(-2) && outbox.send(-3))
        #expect(!outbox.send(3))
    }
}
