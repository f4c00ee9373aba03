package import Logging
package import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Measures how far behind the gateway is, every `interval`: the lag of a probe task on each NIO event loop (what
/// clients' reads and writes wait behind) and on the async runtime (what the WebSocket handlers and hubs wait
/// behind), and the bytes queued for clients gateway-wide. It feeds an `OverloadState` and publishes the verdict
/// in the `EdgePolicy`, which the connection guard, the routers, the upgrades and the hubs read to shed new work
/// (docs/operations.md, "Shedding").
package final class OverloadMonitor: Service, Sendable {
    private let policy: EdgePolicy
    private let loops: [any EventLoop]
    private let interval: Duration
    private let logger: Logger
    /// When each loop's outstanding probe was sent (nil: answered), and the lag the last answered one saw.
    private let probes: Mutex<[(sentAt: NIODeadline?, lag: Int64)]>
    private let taskProbe = Mutex<(sentAt: NIODeadline?, lag: Int64)>((nil, 0))

    package init(
        policy: EdgePolicy, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        interval: Duration = .milliseconds(50), logger: Logger
    ) {
        self.policy = policy
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        self.loops = loops
        self.interval = interval
        self.logger = logger
        probes = Mutex(Array(repeating: (nil, 0), count: loops.count))
    }

    package func run() async throws {
        guard policy.watchesOverload else {
            // Nothing to watch; a service that returns early would stop the gateway, so it waits for shutdown.
            try? await gracefulShutdown()
            return
        }
        let limits = policy.limits
        try? await cancelWhenGracefulShutdown {
            var state = OverloadState(maxLag: limits.shedLag, maxQueuedBytes: limits.shedQueuedBytes)
            while !Task.isCancelled {
                let lag = self.probe()
                let queued = self.policy.queuedBytes
                switch state.observe(lag: lag, queuedBytes: queued) {
                case .entered?:
                    self.policy.setOverloaded(true)
                    self.logger.warning(
                        "gateway overloaded: shedding new connections, requests and upgrades",
                        metadata: ["lag_ms": "\(lag.nanoseconds / 1_000_000)", "queued_bytes": "\(queued)"])
                case .left?:
                    self.policy.setOverloaded(false)
                    self.logger.notice(
                        "gateway no longer overloaded", metadata: ["lag_ms": "\(lag.nanoseconds / 1_000_000)"])
                case nil:
                    break
                }
                try await Task.sleep(for: self.interval)
            }
        }
        policy.setOverloaded(false)
    }

    /// Sends a probe to every loop (and a task) whose last one was answered; returns the largest lag seen: the
    /// last answered probe's delay, or the age of one still outstanding.
    private func probe() -> Duration {
        let now = NIODeadline.now()
        var worst: Int64 = 0
        for (index, loop) in loops.enumerated() {
            let pending = probes.withLock { probes -> NIODeadline? in
                if let sentAt = probes[index].sentAt { return sentAt }
                probes[index].sentAt = now
                return nil
            }
            if let pending {
                worst = max(worst, (now - pending).nanoseconds)
                continue
            }
            loop.execute { [self] in
                let answered = NIODeadline.now()
                self.probes.withLock { probes in
                    probes[index].lag = (answered - now).nanoseconds
                    probes[index].sentAt = nil
                }
            }
        }
        worst = max(worst, probes.withLock { $0.map(\.lag).max() ?? 0 })
        let taskPending = taskProbe.withLock { probe -> NIODeadline? in
            if let sentAt = probe.sentAt { return sentAt }
            probe.sentAt = now
            return nil
        }
        if let taskPending {
            worst = max(worst, (now - taskPending).nanoseconds)
        } else {
            Task.detached { [self] in
                let answered = NIODeadline.now()
                self.taskProbe.withLock { $0 = (nil, (answered - now).nanoseconds) }
            }
        }
        worst = max(worst, taskProbe.withLock { $0.lag })
        return .nanoseconds(worst)
    }
}
