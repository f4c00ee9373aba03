import Synchronization

/// Bounds one connection's commands in flight: `acquire` waits while the limit is reached. One acquirer only
/// (the connection's read loop); `release` may be called from any thread.
final class InFlightLimiter: Sendable {
    private struct State {
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        let acquired = state.withLock { state in
            guard state.inFlight < limit else { return false }
            state.inFlight += 1
            return true
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.inFlight < limit {
                    state.inFlight += 1
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                // The slot passes straight to the waiter.
                state.waiter = nil
                return waiter
            }
            state.inFlight -= 1
            return nil
        }
        waiter?.resume()
    }
}
