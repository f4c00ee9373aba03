import Dispatch
import Storage
import Synchronization

/// Shares one durability barrier among the partitions served by one commit thread.
///
/// Each lane commits its transaction with `synchronous=NORMAL` (no fsync of its own) and leaves its answer here.
/// The first answer left schedules a barrier block on the commit thread's queue, behind the transactions already
/// queued there; the block takes every answer left so far, makes them durable with one `syncfs`, then releases
/// them. So one device flush covers every partition committed in that pass, and while it runs the next
/// transactions gather more commands.
final class CommitRound: Sendable {
    /// Releases one transaction's answers; `nil` once durable, or the barrier's failure.
    typealias Release = @Sendable ((any Error)?) -> Void

    private struct State {
        var waiting: [Release] = []
        var scheduled = false
    }

    private let queue: DispatchQueue
    private let barrier: @Sendable () throws -> Void
    private let state = Mutex(State())

    /// A round on `queue` (the commit thread the lanes' writer queues target) that calls `barrier` to make what
    /// was committed durable.
    init(queue: DispatchQueue, barrier: @escaping @Sendable () throws -> Void) {
        self.queue = queue
        self.barrier = barrier
    }

    /// Calls `release` once a barrier started after this call has returned. Call it right after a commit.
    func afterBarrier(_ release: @escaping Release) {
        let schedule = state.withLock { state in
            state.waiting.append(release)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule { queue.async { self.run() } }
    }

    private func run() {
        let waiting = state.withLock { state in
            state.scheduled = false
            defer { state.waiting = [] }
            return state.waiting
        }
        var failure: (any Error)?
        do { try barrier() } catch { failure = error }
        for release in waiting { release(failure) }
    }
}
