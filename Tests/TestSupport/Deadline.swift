import Synchronization

/// Thrown when a test body outlives its deadline.
package struct DeadlineExceeded: Error, CustomStringConvertible {
    /// The deadline that passed.
    package let seconds: Double
    /// What the failure says.
    package var description: String { "test body did not finish within \(seconds) s" }
}

/// Runs `body`, failing with `DeadlineExceeded` after `seconds` instead of hanging the test run. The body runs in
/// an unstructured task, so even a body stuck in a non-cancellable await cannot hold the test past its deadline.
package func withDeadline<T: Sendable>(
    seconds: Double = 10,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let slot = ContinuationSlot<T>()
    return try await withCheckedThrowingContinuation { continuation in
        slot.store(continuation)
        let work = Task {
            do {
                slot.resume(with: .success(try await body()))
            } catch {
                slot.resume(with: .failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))  // the watchdog deadline itself, not a wait for readiness
            if !Task.isCancelled {
                slot.resume(with: .failure(DeadlineExceeded(seconds: seconds)))
                work.cancel()
            }
        }
        slot.onResume { timer.cancel() }
    }
}

/// Resumes a continuation at most once, whichever of the body and the timer finishes first.
private final class ContinuationSlot<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var resumed = false
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func store(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func onResume(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.resumed { return true }
            state.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    func resume(with result: Result<T, any Error>) {
        let (continuation, cleanup) = state.withLock { state in
            defer {
                state.continuation = nil
                state.cleanup = nil
                state.resumed = true
            }
            return (state.continuation, state.cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
    }
}
