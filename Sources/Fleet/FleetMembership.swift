import Foundation
package import Logging
import Synchronization
package import Wire
package import ZeroMQ

/// A process's link to the supervisor: says hello, heartbeats, and hands every newer partition map to its owner
/// (docs/protocol.md §5).
package final class FleetMembership: Sendable {
    /// This process's id (`w1`, `g1`, …); the origin of everything it sends.
    package let id: String
    /// Gateway or worker.
    package let role: ProcessRole
    private let engine: ZMQEngine
    private let supervisorEndpoint: String
    private let heartbeatInterval: Duration
    private let security: LinkSecurity
    private let logger: Logger
    /// Sends one heartbeat now; set while `run` runs.
    private let beat = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates a membership; nothing happens until `run`.
    package init(
        engine: ZMQEngine, id: String, role: ProcessRole, supervisorEndpoint: String, heartbeatInterval: Duration,
        security: LinkSecurity = .insecure, logger: Logger
    ) {
        self.security = security
        self.engine = engine
        self.id = id
        self.role = role
        self.supervisorEndpoint = supervisorEndpoint
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// Sends a heartbeat at once instead of at the next interval (a worker that just closed a moved partition's
    /// file tells the supervisor without waiting).
    package func heartbeatNow() { beat.withLock { $0 }?() }

    /// Runs until the task is cancelled: sends `hello`, then a heartbeat every interval, and calls `onMap` for every
    /// map newer than the last one. `status` is read at each heartbeat. If `exitWhenOrphaned`, the process exits
    /// when its parent (the supervisor that launched it) is gone, so a killed supervisor leaves no strays.
    ///
    /// Silence from the supervisor for three heartbeat intervals makes the process say `hello` again (the
    /// supervisor may have restarted, or declared it gone). With a `lease`, silence that long also calls `onFence`
    /// (a worker stops serving: a supervisor that cannot reach it may give its partitions to another worker after
    /// its own, longer, timeout); the next message from the supervisor hands the last map to `onMap` again.
    package func run(
        hello: HelloMessage, exitWhenOrphaned: Bool, lease: Duration? = nil,
        status: @escaping @Sendable () -> HeartbeatMessage,
        onMap: @escaping @Sendable (PartitionMap) async -> Void,
        onFence: @escaping @Sendable () async -> Void = {},
        malformed: @escaping @Sendable (WireError) -> Void
    ) async throws {
        var options = ZMQSocketOptions()
        // One identity per incarnation: a restarted process is a new peer to the supervisor's ROUTER.
        options.identity = Array("\(id).\(hello.pid)".utf8)
        options.lingerMilliseconds = 100
        options.security = security.toSupervisor
        let socket = try await engine.makeSocket(.dealer, options: options, connect: [supervisorEndpoint])
        let parent = getppid()
        let knownEpoch = EpochBox()
        let link = LinkState()

        @Sendable func send(_ kind: MessageKind, _ body: [UInt8]) {
            let envelope = Envelope(kind: kind, epoch: knownEpoch.value, origin: id)
            engine.send(WireMessage(envelope, body: body).frames, on: socket)
        }
        send(.hello, hello.encoded())
        beat.withLock { $0 = { send(.heartbeat, status().encoded()) } }
        defer { beat.withLock { $0 = nil } }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [engine, logger, id] in
                for await batch in engine.messages(of: socket) {
                    for frames in batch {
                        do {
                            let message = try WireMessage(frames: frames)
                            var adopted = false
                            switch message.envelope.kind {
                            case .map:
                                let map = try PartitionMap(decoding: message.body, epoch: message.envelope.epoch)
                                if map.epoch > knownEpoch.value {
                                    knownEpoch.value = map.epoch
                                    link.remember(map)
                                    await onMap(map)
                                    adopted = true
                                }
                            case .heartbeat:
                                break
                            default:
                                throw WireError(.badValue, "unexpected \(message.envelope.kind) from supervisor")
                            }
                            if let map = link.heard(), !adopted {
                                logger.info("supervisor reachable again; serving", metadata: ["id": "\(id)"])
                                await onMap(map)
                            }
                        } catch let error as WireError {
                            malformed(error)
                        }
                    }
                }
            }
            group.addTask { [heartbeatInterval, logger, id] in
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeatInterval)
                    if exitWhenOrphaned && getppid() != parent {
                        logger.error("supervisor is gone; exiting", metadata: ["id": "\(id)"])
                        exit(3)
                    }
                    send(.heartbeat, status().encoded())
                    let silence = link.silence
                    if silence > heartbeatInterval * 3 { send(.hello, hello.encoded()) }
                    if let lease, silence > lease, link.fence() {
                        logger.error(
                            "no word from the supervisor within the lease; not serving until it answers",
                            metadata: ["id": "\(id)", "silentMs": "\(silence / .milliseconds(1))"])
                        // Not awaited: heartbeats go on while the partitions drain.
                        Task { await onFence() }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// When the supervisor was last heard from, the last map, and whether the process fenced itself.
private final class LinkState: Sendable {
    private struct State {
        var lastHeard = ContinuousClock.now
        var map: PartitionMap?
        var fenced = false
    }
    private let state = Mutex(State())

    /// Time since the supervisor was last heard from.
    var silence: Duration { ContinuousClock.now - state.withLock { $0.lastHeard } }

    func remember(_ map: PartitionMap) { state.withLock { $0.map = map } }

    /// Records a message; returns the last map if the process had fenced itself (it must serve it again).
    func heard() -> PartitionMap? {
        state.withLock { s in
            s.lastHeard = .now
            guard s.fenced else { return nil }
            s.fenced = false
            return s.map
        }
    }

    /// Marks the process fenced; false if it already was.
    func fence() -> Bool {
        state.withLock { s in
            defer { s.fenced = true }
            return !s.fenced
        }
    }
}

/// The last map epoch seen; written by the receive task, read by the heartbeat task.
private final class EpochBox: Sendable {
    private let storage = Mutex<UInt64>(0)
    var value: UInt64 {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
