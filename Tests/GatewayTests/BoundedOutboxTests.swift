import Fleet
import Synchronization
import Testing

@testable import Gateway

@Suite struct BoundedOutboxTests {
    private final class Count: Sendable {
        let value = Mutex(0)
    }

    @Test func holdsUpToTheLimitThenQueuesTheOverflowItemOnce() async {
        let overflows = Count()
        let outbox = BoundedOutbox<Int>(maxMessages: 3, maxBytes: 1000, size: { _ in 1 }, overflow: -1) {
            overflows.value.withLock { $0 += 1 }
        }
        #expect(outbox.send(1) && outbox.send(2) && outbox.send(3))
        #expect(!outbox.send(4))
        #expect(!outbox.send(5))
        var received: [Int] = []
        for await item in outbox.items { received.append(item) }
        #expect(received == [1, 2, 3, -1])
        #expect(overflows.value.withLock { $0 } == 1)
    }

    @Test func writtenItemsMakeRoom() async {
        let outbox = BoundedOutbox<Int>(maxMessages: 2, maxBytes: 1000, size: { _ in 1 }, overflow: -1) {}
        var iterator = outbox.items.makeAsyncIterator()
        for n in 0..<10 {
            #expect(outbox.send(n))
            #expect(await iterator.next() == n)
            outbox.written(n)
        }
        #expect(outbox.send(10) && outbox.send(11))
        #expect(!outbox.send(12))
    }

    @Test func boundsBytesButTakesOneLargeItemIntoAnEmptyOutbox() async {
        // Items weigh their own value in bytes.
        let outbox = BoundedOutbox<Int>(maxMessages: 100, maxBytes: 10, size: { $0 }, overflow: 0) {}
        var iterator = outbox.items.makeAsyncIterator()
        #expect(outbox.send(50))
        #expect(await iterator.next() == 50)
        outbox.written(50)
        #expect(outbox.send(4) && outbox.send(6))
        #expect(!outbox.send(1))
        var rest: [Int] = []
        while let item = await iterator.next() { rest.append(item) }
        #expect(rest == [4, 6, 0])
    }

    @Test func finishWithQueuesTheLastItemWhateverTheBound() async {
        let outbox = BoundedOutbox<Int>(maxMessages: 1, maxBytes: 1000, size: { _ in 1 }, overflow: -1) {}
        #expect(outbox.send(1))
        outbox.finish(with: 99)
        var received: [Int] = []
        for await item in outbox.items { received.append(item) }
        #expect(received == [1, 99])
    }

    @Test func aPulledOutboxWakesOnceUntilTakenAndAnOverflowDropsWhatWasNotTaken() {
        let wakes = Count()
        let outbox = BoundedOutbox<Int>(
            maxMessages: 3, maxBytes: 1000, size: { _ in 1 }, overflow: -1, onOverflow: {},
            wake: { wakes.value.withLock { $0 += 1 } })
        #expect(outbox.send(1) && outbox.send(2))
        #expect(wakes.value.withLock { $0 } == 1)
        let first = outbox.takeQueued()
        #expect(first.items == [1, 2] && !first.finished)
        #expect(outbox.send(3))
        #expect(wakes.value.withLock { $0 } == 2)
        // Three unwritten: the fourth overflows, and 3 (queued, never taken) goes with it.
        #expect(!outbox.send(4))
        let last = outbox.takeQueued()
        #expect(last.items == [-1] && last.finished)
        #expect(!outbox.send(5))
        #expect(outbox.takeQueued().items.isEmpty)
    }

    @Test func aNewerSupersedingItemTakesThePlaceOfOneNotYetTaken() {
        // Negative items are states of which only the newest matters; each weighs its absolute value in bytes.
        let policy = EdgePolicy(limits: EdgeLimits(), descriptors: 1024, counters: ProcessCounters())
        let outbox = BoundedOutbox<Int>(
            maxMessages: 3, maxBytes: 1000, size: { abs($0) }, overflow: 0, accounting: policy,
            supersedes: { $0 < 0 }, onOverflow: {}, wake: {})
        #expect(outbox.send(-10) && outbox.send(5) && outbox.send(-20) && outbox.send(-30))
        #expect(policy.queuedBytes == 35)
        let taken = outbox.takeQueued()
        #expect(taken.items == [-30, 5])
        // Once taken, a new state is queued after it rather than replacing it (the writer coalesces its own).
        #expect(outbox.send(-40))
        #expect(outbox.takeQueued().items == [-40])
        for item in taken.items + [-40] { outbox.written(item) }
        #expect(policy.queuedBytes == 0)
        // Superseding items still count against the bound: 3 messages, then the overflow.
        #expect(outbox.send(1) && outbox.send(2) && outbox.send(-1) && outbox.send(-2))
        #expect(!outbox.send(3))
    }
}
