package import Logging
package import NIOCore
import ServiceLifecycle
import Synchronization

/// The gateway's graceful drain (docs/operations.md, "Signals"): on SIGTERM, before the listeners stop, every
/// open WebSocket finishes what it has in flight and is closed with 1001 ("going away"), so clients reconnect
/// elsewhere at once; connections that open during the drain are closed the same way.
///
/// It is the last service of the gateway's group, so the group shuts it down first: the listeners then stop
/// accepting and finish their HTTP requests, the hubs stop, and the fleet link goes last.
package final class WebSocketDrain: Service, Sendable {
    /// A connection's way to finish: let what it has in flight complete (within the drain's deadline, which the
    /// drain enforces by not waiting longer), then close with 1001.
    package typealias Closer = @Sendable () async -> Void

    private struct State {
        var next: UInt64 = 0
        var open: [UInt64: Closer] = [:]
        var draining = false
        var allClosed: CheckedContinuation<Void, Never>?
        var stopWaiting = false
    }

    private let state = Mutex(State())
    private let timeout: Duration
    private let logger: Logger
    /// Called when the drain starts, before the connections are closed (Socket.IO closes its sessions).
    private let onDrain: @Sendable () -> Void

    /// A drain that waits at most `timeout` for connections to finish.
    package init(timeout: Duration, logger: Logger, onDrain: @escaping @Sendable () -> Void = {}) {
        self.timeout = timeout
        self.logger = logger
        self.onDrain = onDrain
    }

    /// Whether the gateway is draining (new connections are closed at once).
    package var isDraining: Bool { state.withLock { $0.draining } }

    /// Registers an open connection; nil when draining (the caller closes it with 1001 itself).
    package func opened(_ close: @escaping Closer) -> UInt64? {
        state.withLock { s in
            guard !s.draining else { return nil }
            s.next += 1
            s.open[s.next] = close
            return s.next
        }
    }

    /// The connection ended.
    package func closed(_ id: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.open[id] = nil
            guard s.open.isEmpty, let waiter = s.allClosed else { return nil }
            s.allClosed = nil
            return waiter
        }
        waiter?.resume()
    }

    package func run() async throws {
        // Cancellation (not a graceful shutdown) ends the process anyway: nothing to drain.
        do { try await gracefulShutdown() } catch { return }
        let closers = state.withLock { s in
            s.draining = true
            return Array(s.open.values)
        }
        onDrain()
        logger.info("draining WebSockets", metadata: ["open": "\(closers.count)"])
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskGroup(of: Void.self) { closing in
                    for close in closers { closing.addTask { await close() } }
                }
                await self.waitUntilAllClosed()
            }
            // The deadline: whatever is still open afterwards is left to the listeners' shutdown.
            group.addTask { try? await Task.sleep(for: self.timeout) }
            await group.next()
            group.cancelAll()
        }
        let left = state.withLock { $0.open.count }
        logger.info(
            "WebSocket drain done",
            metadata: ["ms": "\((clock.now - started) / .milliseconds(1))", "stillOpen": "\(left)"])
    }

    /// Returns when no registered connection is open, or when cancelled.
    private func waitUntilAllClosed() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { s -> Bool in
                    if s.open.isEmpty || s.stopWaiting { return true }
                    s.allClosed = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                s.stopWaiting = true
                defer { s.allClosed = nil }
                return s.allClosed
            }
            waiter?.resume()
        }
    }
}

/// One event-loop WebSocket's part in the drain: registered while the connection is open, and the drain's wait for
/// it, which the handler ends once the connection has finished what it had in flight (or it is gone).
package struct WebSocketDrainSlot {
    private let drain: WebSocketDrain
    private var token: UInt64?
    /// The drain's waits, held until the connection is done.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Registers a connection on `eventLoop`: when the drain starts, `begin` runs there with the drain's wait (hold
    /// it with `hold`, end it with `release`). Not registered when the gateway already drains: check `isRegistered`.
    package init(
        drain: WebSocketDrain, eventLoop: any EventLoop,
        begin: @escaping @Sendable (CheckedContinuation<Void, Never>) -> Void
    ) {
        self.drain = drain
        token = drain.opened {
            await withCheckedContinuation { continuation in eventLoop.execute { begin(continuation) } }
        }
    }

    /// Whether the drain knows the connection (false: it was opened while draining; close it with 1001 at once).
    package var isRegistered: Bool { token != nil }

    /// Whether the drain is waiting for the connection.
    package var isDraining: Bool { !waiters.isEmpty }

    /// Holds the drain's wait until `release`.
    package mutating func hold(_ continuation: CheckedContinuation<Void, Never>) { waiters.append(continuation) }

    /// The connection is done: the drain stops waiting for it.
    package mutating func release() {
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// The connection is gone: it leaves the drain, which no longer waits for it.
    package mutating func leave() {
        if let token { drain.closed(token) }
        token = nil
        release()
    }
}
