import Synchronization

/// Bounds what one connection has outstanding (commands in flight and replies not yet written): `acquire` waits
/// while the limit is reached. One acquirer only (the connection's read loop); `release` may be called from any
/// thread.
final class InFlightLimiter: Sendable {
    private struct State {
        var inFlight = 0
        var waiter: CheckedContinuation<Bool, Never>?
        var cancelled = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot, waiting for one if needed. Returns false if the task was cancelled (the connection is going
    /// away), so a drain is never held up by a full connection.
    func acquire() async -> Bool {
        let acquired = state.withLock { state in
            guard state.inFlight < limit, !state.cancelled else { return false }
            state.inFlight += 1
            return true
        }
        if acquired { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Bool? = state.withLock { state in
                    if state.cancelled { return false }
                    if state.inFlight < limit {
                        state.inFlight += 1
                        return true
                    }
                    state.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: false)
        }
    }

    /// Gives a slot back.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let waiter = state.waiter {
                // The slot passes straight to the waiter.
                state.waiter = nil
                return waiter
            }
            state.inFlight -= 1
            return nil
        }
        waiter?.resume(returning: true)
        let idle = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.inFlight == 0 else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in idle { waiter.resume() }
    }

    /// Returns once nothing is in flight (every slot given back). The caller bounds the wait: the drain cancels it
    /// at its deadline, which ends the wait at once.
    func whenIdle() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.inFlight == 0 || Task.isCancelled { return true }
                    state.idleWaiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state in
                defer { state.idleWaiters = [] }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
