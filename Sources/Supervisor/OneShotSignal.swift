import Synchronization

/// A one-shot signal: `wait` returns once `fire` has been called (before or after). A worker process's stop, the
/// end of a child's standard error.
final class OneShotSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Fires the signal; later calls do nothing.
    func fire() {
        let waiters = state.withLock { state in
            defer { state = (true, []) }
            return state.fired ? [] : state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the signal has fired.
    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}
