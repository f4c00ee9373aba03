import Fleet
import Foundation
import Steps
import Storage
import Synchronization
import Wire

/// One owned partition's commit pipeline: real group commit, independent of every other partition.
///
/// While a transaction (and its fsync) runs on the partition's writer queue, whatever arrives for the partition
/// waits in `pending`; when the transaction ends, everything that waited goes into the next one. So the number of
/// commands per transaction grows with the load instead of staying at what one socket read happened to hold, and
/// a slow fsync on one partition never holds back another (there is no barrier across partitions).
final class PartitionLane: Sendable {
    /// A decoded command waiting for its transaction.
    struct Item: Sendable {
        /// The command's envelope, to address the reply; nil for the worker's own commands (a presence sweep).
        var envelope: Envelope?
        /// The command.
        var command: PartitionCommand
    }

    /// Most commands in one transaction, so one huge backlog cannot make a single commit (and its replies) late.
    static let transactionLimit = 4096

    private struct State {
        var pending: [Item] = []
        var committing = false
        var closed = false
        /// Transactions committed or committing whose answers have not been given yet (a round may hold them).
        var unanswered = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        /// The partition's memory as of its last committed transaction.
        var memory: PartitionMemory
        /// A presence sweep is waiting or running, so the timer does not queue another.
        var sweepQueued = false

        /// Nothing committing and nothing waiting to be answered.
        var isIdle: Bool { !committing && unanswered == 0 }

        /// The close waiters to resume if the lane is idle now.
        mutating func takeWaitersIfIdle() -> [CheckedContinuation<Void, Never>] {
            guard isIdle else { return [] }
            defer { idleWaiters = [] }
            return idleWaiters
        }
    }

    /// Called with each transaction's commands and their replies (or the error that rolled it back): on the writer
    /// queue right after the commit, or, with a durability round, once the round's barrier has returned.
    typealias Answer = @Sendable ([Item], Result<PartitionRepository.Outcome, any Error>) -> Void

    /// The partition's database.
    let database: PartitionDatabase
    private let limits: StepsLimits
    private let answer: Answer
    /// When set, answers wait for the round's durability barrier (the database commits without fsync).
    private let round: CommitRound?
    private let state: Mutex<State>
    /// Wall-clock milliseconds since the epoch: the time of pings and sweeps.
    private let clock: @Sendable () -> Int64
    /// Where each transaction's size and commit time are recorded.
    private let counters: ProcessCounters?

    init(
        database: PartitionDatabase, limits: StepsLimits, memory: PartitionMemory, round: CommitRound? = nil,
        counters: ProcessCounters? = nil, clock: @escaping @Sendable () -> Int64 = PartitionLane.wallClock,
        answer: @escaping Answer
    ) {
        self.database = database
        self.counters = counters
        self.limits = limits
        self.round = round
        self.clock = clock
        self.answer = answer
        self.state = Mutex(State(memory: memory))
    }

    /// Milliseconds since the epoch, from the system clock.
    static let wallClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Queues a presence sweep if one is due at `now` and none is queued: the timeouts are applied as a transaction
    /// of their own, in order with the partition's commands.
    func sweepIfDue(now: Int64) {
        let due = state.withLock { state in
            guard !state.sweepQueued, !state.closed, let deadline = state.memory.presence.nextDeadline,
                deadline <= now
            else { return false }
            state.sweepQueued = true
            return true
        }
        if due, !submit([Item(envelope: nil, command: .presenceSweep)]) {
            state.withLock { $0.sweepQueued = false }
        }
    }

    /// Whether `close()` has been called (for tests).
    var isClosing: Bool { state.withLock { $0.closed } }

    /// Queues commands for the next transaction. Returns false (taking none) once the lane is closing: the
    /// partition is being given away, so the caller refuses them as not-owner and the gateway resends them.
    func submit(_ items: [Item]) -> Bool {
        let start: Bool? = state.withLock { state in
            guard !state.closed else { return nil }
            state.pending.append(contentsOf: items)
            guard !state.committing else { return false }
            state.committing = true
            return true
        }
        guard let start else { return false }
        if start { commitNext() }
        return true
    }

    /// Answers `items` at once on the calling thread, on the database's read-only connection, when they only read
    /// (`isPureRead`) and nothing of the partition is waiting, committing or unanswered; nil otherwise, and when the
    /// read fails (the caller then submits them, and the queued path answers). When it runs, every write this
    /// partition acknowledged is durable and visible and none it has not acknowledged is, so the read sees exactly
    /// what the queued path would have, and needs no barrier. The worker's I/O thread calls it, which saves a read
    /// two thread hand-offs and a write transaction.
    func readNow(_ items: [Item]) -> PartitionRepository.Outcome? {
        guard items.allSatisfy(\.command.isPureRead) else { return nil }
        // Claimed as if committing, so that nothing starts a transaction on this partition meanwhile.
        let memory: PartitionMemory? = state.withLock { state in
            guard !state.closed, !state.committing, state.pending.isEmpty, state.unanswered == 0 else { return nil }
            state.committing = true
            return state.memory
        }
        guard let memory else { return nil }
        let commands = items.map(\.command)
        let outcome = try? database.readNow { db in
            try PartitionRepository.apply(commands, in: db, stepsLimits: limits, memory: memory, now: clock())
        }
        // Released the way a finished transaction is: whatever arrived meanwhile (a sweep) starts now, and a close
        // waiting for the lane to be idle is let go.
        commitNext()
        return outcome ?? nil
    }

    /// Stops taking commands, waits until everything accepted is committed and answered (after its durability
    /// barrier, if any), then closes the file.
    func close() async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                state.closed = true
                if !state.isIdle {
                    state.idleWaiters.append(continuation)
                    return false
                }
                return true
            }
            if idle { continuation.resume() }
        }
        try database.close()
    }

    /// Takes what waits and commits it on the writer queue; the completion starts the next round, so exactly one
    /// transaction per partition is in flight.
    private func commitNext() {
        var nothingUndurable = false
        let next: (batch: [Item], waiters: [CheckedContinuation<Void, Never>]) = state.withLock { state in
            guard !state.pending.isEmpty else {
                state.committing = false
                return ([], state.takeWaitersIfIdle())
            }
            // Taken before counting this one: whether an earlier transaction still waits for its barrier.
            nothingUndurable = state.unanswered == 0
            state.unanswered += 1
            if state.pending.count <= Self.transactionLimit {
                defer { state.pending = [] }
                return (state.pending, [])
            }
            defer { state.pending.removeFirst(Self.transactionLimit) }
            return (Array(state.pending.prefix(Self.transactionLimit)), [])
        }
        for waiter in next.waiters { waiter.resume() }
        let batch = next.batch
        guard !batch.isEmpty else { return }
        let limits = limits
        let commands = batch.map(\.command)
        let memory = state.withLock { $0.memory }
        let now = clock()
        // Reads that can only see durable data need no barrier: every earlier transaction of this partition has
        // been answered, so it is durable (a read after an unanswered write waits for the write's barrier, so it
        // never reports data that a power cut could still take back).
        let skipBarrier = nothingUndurable && commands.allSatisfy(\.isReadOnly)
        let counters = counters
        database.asyncWrite { db in
            let started = ContinuousClock.now
            let outcome = try PartitionRepository.apply(
                commands, in: db, stepsLimits: limits, memory: memory, now: now)
            return (outcome, started)
        } completion: { timed in
            // The body returned before the commit; the completion runs once it is done.
            if case .success((_, let started)) = timed {
                counters?.observeDuration(.commitDuration, since: started)
                counters?.observe(.transactionCommands, UInt64(commands.count))
            }
            let result = timed.map(\.0)
            // Kept only once committed: a rolled-back transaction leaves the memory as the file is.
            let swept = commands.contains(.presenceSweep)
            self.state.withLock { state in
                if case .success(let outcome) = result { state.memory = outcome.memory }
                if swept { state.sweepQueued = false }
            }
            if let round = self.round, case .success = result, !skipBarrier {
                // Committed but not yet durable: answer after the barrier. The next transaction need not wait.
                round.afterBarrier { failure in
                    self.answer(batch, failure.map { .failure($0) } ?? result)
                    self.answered()
                }
            } else {
                self.answer(batch, result)
                self.answered()
            }
            self.commitNext()
        }
    }

    /// Counts one transaction's answers as given, and releases a close waiting for the lane to be idle.
    private func answered() {
        let waiters = state.withLock { state in
            state.unanswered -= 1
            return state.takeWaitersIfIdle()
        }
        for waiter in waiters { waiter.resume() }
    }
}
