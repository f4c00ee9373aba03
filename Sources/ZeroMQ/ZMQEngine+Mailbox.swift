internal import CZeroMQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension ZMQEngine {
    /// The only state shared between callers and the I/O thread: a command queue under a `Mutex`, an
    /// eventfd that wakes the thread's `zmq_poll`, and the drop counter.
    ///
    /// The eventfd is written only when the queue goes from empty to non-empty: the I/O thread reads the
    /// eventfd *before* it swaps the queue out, so a command appended after the swap always finds the queue
    /// empty and signals again, and one appended before the swap is drained by it. Nothing is lost.
    /// The fd is closed in `deinit`, after both the engine and the loop have let go, so a late `wake()`
    /// can never hit a reused descriptor.
    ///
    /// The I/O thread itself (a consume handler answering what it just read) never signals: the loop drains the
    /// queue again after serving its sockets, until it is empty, before it polls. That saves the eventfd write,
    /// and the extra poll, for every reply a worker sends straight from its I/O thread.
    final class Mailbox: Sendable {
        /// Lifecycle; commands are accepted only while `.running`.
        enum Phase {
            case running
            case stopping
            case stopped
        }

        struct State {
            var commands: [Command] = []
            var nextSocketID: UInt64 = 1
            var phase: Phase
            var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        }

        let state: Mutex<State>
        /// Messages dropped on the way out: queue over its limit, socket errored, socket unknown, or shut down.
        let dropped = Atomic<Int>(0)
        /// The I/O thread's `pthread_t`, once it runs (0 before).
        let loopThread = Atomic<UInt>(0)
        /// Non-blocking eventfd, or -1 if it could not be created (then the engine never runs).
        let wakeDescriptor: Int32
        /// Why the engine could not start, if it could not.
        let startupError: ZMQError?

        init() {
            let descriptor = czmq_wake_fd_create()
            if descriptor < 0 {
                self.wakeDescriptor = -1
                self.startupError = ZMQError(code: czmq_errno(), operation: "eventfd")
                self.state = Mutex(State(phase: .stopped))
            } else {
                self.wakeDescriptor = descriptor
                self.startupError = nil
                self.state = Mutex(State(phase: .running))
            }
        }

        deinit {
            if wakeDescriptor >= 0 {
                _ = czmq_close_fd(wakeDescriptor)
            }
        }

        /// The error a refused command reports: the startup failure, else `ETERM`.
        func refusal(_ operation: String) -> ZMQError {
            ZMQError(code: startupError?.code ?? ETERM, operation: operation)
        }

        /// Marks the engine unusable before its thread ever ran (context creation failed).
        func failStartup() {
            state.withLock { $0.phase = .stopped }
        }

        /// A fresh socket id; ids are never reused, so a stale id can only ever name a closed socket.
        func makeSocketID() -> ZMQSocketID {
            state.withLock { state in
                defer { state.nextSocketID += 1 }
                return ZMQSocketID(rawValue: state.nextSocketID)
            }
        }

        /// Appends a command unless the engine is stopping; returns whether it was accepted.
        func enqueue(_ command: Command) -> Bool {
            let outcome = enqueueDeferringWake(command)
            if outcome.wake {
                wake()
            }
            return outcome.accepted
        }

        /// Appends a command unless the engine is stopping, and says whether the caller must call `wake()`: the
        /// queue was empty and the caller is not the I/O thread (whose loop drains before it polls again).
        func enqueueDeferringWake(_ command: Command) -> (accepted: Bool, wake: Bool) {
            let fromLoop = isLoopThread
            return state.withLock { state in
                guard case .running = state.phase else { return (false, false) }
                state.commands.append(command)
                return (true, state.commands.count == 1 && !fromLoop)
            }
        }

        /// Records the calling thread as the I/O thread; called once, first thing on that thread.
        func enterLoopThread() {
            #if canImport(Glibc)
                loopThread.store(UInt(pthread_self()), ordering: .releasing)
            #endif
        }

        /// Whether the caller runs on the I/O thread.
        var isLoopThread: Bool {
            #if canImport(Glibc)
                return UInt(pthread_self()) == loopThread.load(ordering: .acquiring)
            #else
                return false
            #endif
        }

        /// Begins shutdown (once) and registers a waiter resumed when the I/O thread has finished.
        func requestShutdown(waiter: CheckedContinuation<Void, Never>?) {
            let outcome: (signal: Bool, resumeNow: Bool) = state.withLock { state in
                switch state.phase {
                case .running:
                    state.phase = .stopping
                    state.commands.append(.shutdown)
                    if let waiter { state.shutdownWaiters.append(waiter) }
                    return (state.commands.count == 1, false)
                case .stopping:
                    if let waiter { state.shutdownWaiters.append(waiter) }
                    return (false, false)
                case .stopped:
                    return (false, true)
                }
            }
            if outcome.signal {
                wake()
            }
            if outcome.resumeNow {
                waiter?.resume()
            }
        }

        /// Called by the I/O thread as its last act; resumes everyone awaiting `shutdown()` and returns commands
        /// that can no longer run (only if the loop stopped on an error rather than on `.shutdown`).
        func markStopped() -> [Command] {
            let (waiters, leftovers) = state.withLock { state in
                state.phase = .stopped
                defer {
                    state.shutdownWaiters = []
                    state.commands = []
                }
                return (state.shutdownWaiters, state.commands)
            }
            for waiter in waiters {
                waiter.resume()
            }
            return leftovers
        }

        /// Swaps the queued commands into `buffer` (which must be empty); the two arrays keep their capacity.
        /// Returns whether there were any.
        @discardableResult
        func drain(into buffer: inout [Command]) -> Bool {
            state.withLock { state in
                swap(&state.commands, &buffer)
            }
            return !buffer.isEmpty
        }

        /// Counts `count` outbound messages as dropped.
        func countDropped(_ count: Int) {
            if count > 0 {
                dropped.add(count, ordering: .relaxed)
            }
        }

        /// Makes the eventfd readable, waking the I/O thread's `zmq_poll`.
        func wake() {
            czmq_wake_fd_signal(wakeDescriptor)
        }

        /// Resets the eventfd to unreadable; called by the I/O thread before `drain`.
        func clearWake() {
            czmq_wake_fd_clear(wakeDescriptor)
        }
    }
}
