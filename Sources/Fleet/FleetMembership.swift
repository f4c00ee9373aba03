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

    /// Thrown by `run` when the process's parent (the supervisor that launched it) is gone and the process was asked
    /// to stop then: the role's command decides the exit (`switchyard worker` and `gateway` exit 3).
    package struct Orphaned: Error, CustomStringConvertible {
        /// This process's id.
        package let id: String
        package var description: String { "\(id): the supervisor that launched it is gone" }
    }

    /// Runs until the task is cancelled: sends `hello`, then a heartbeat every interval, and calls `onMap` for every
    /// map newer than the last one. `status` is read at each heartbeat. If `exitWhenOrphaned`, it throws `Orphaned`
    /// once the process's parent (the supervisor that launched it) is gone, so a killed supervisor leaves no strays.
    ///
    /// Silence from the supervisor for three heartbeat intervals makes the process say `hello` again (the
    /// supervisor may have restarted, or declared it gone). With a `lease`, silence that long also calls `onFence`
    /// (a worker stops serving: a supervisor that cannot reach it may give its partitions to another worker after
    /// its own, longer, timeout); the next message from the supervisor hands the last map to `onMap` again. With
    /// `onCommand` (gateways), a `command` the supervisor relays through this process is handed to it and its answer
    /// sent back as a `reply` (docs/protocol.md §5.7). What each event calls for is decided by `MembershipState`.
    package func run(
        hello: HelloMessage, exitWhenOrphaned: Bool, lease: Duration? = nil,
        status: @escaping @Sendable () -> HeartbeatMessage,
        onMap: @escaping @Sendable (PartitionMap) async -> Void,
        onFence: @escaping @Sendable () async -> Void = {},
        onCommand: (@Sendable (Envelope, [UInt8]) async -> (ReplyStatus, [UInt8]))? = nil,
        malformed: @escaping @Sendable (WireError) -> Void
    ) async throws {
        var options = ZMQSocketOptions()
        // One identity per incarnation: a restarted process is a new peer to the supervisor's ROUTER.
        options.identity = Array("\(id).\(hello.pid)".utf8)
        options.lingerMilliseconds = 100
        options.security = security.toSupervisor
        let socket = try await engine.makeSocket(.dealer, options: options, connect: [supervisorEndpoint])
        let parent = getppid()
        let link = SharedState(MembershipState(heartbeatInterval: heartbeatInterval, lease: lease, now: .now))

        @Sendable func send(_ kind: MessageKind, _ body: [UInt8]) {
            let envelope = Envelope(kind: kind, epoch: link.withLock { $0.knownEpoch }, origin: id)
            engine.send(WireMessage(envelope, body: body).frames, on: socket)
        }
        send(.hello, hello.encoded())
        beat.withLock { $0 = { send(.heartbeat, status().encoded()) } }
        defer { beat.withLock { $0 = nil } }
        // Fencing drains partitions, which takes a while: it runs in a task of its own while heartbeats go on.
        let (fences, fence) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Commands the supervisor relays through this process (a gateway), answered as the fleet answers them.
        let (relayed, relay) = AsyncStream.makeStream(of: WireMessage.self, bufferingPolicy: .bufferingNewest(64))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [engine, logger, id] in
                for await batch in engine.messages(of: socket) {
                    for frames in batch {
                        let map: PartitionMap?
                        do {
                            let message = try WireMessage(frames: frames)
                            switch message.envelope.kind {
                            case .map: map = try PartitionMap(decoding: message.body, epoch: message.envelope.epoch)
                            case .heartbeat: map = nil
                            case .command where onCommand != nil:
                                relay.yield(message)
                                continue
                            default: throw WireError(.badValue, "unexpected \(message.envelope.kind) from supervisor")
                            }
                        } catch let error as WireError {
                            malformed(error)
                            continue
                        }
                        for case .serve(let map, let again) in link.withLock({ $0.heard(map, now: .now) }) {
                            if again { logger.info("supervisor reachable again; serving", metadata: ["id": "\(id)"]) }
                            await onMap(map)
                        }
                    }
                }
            }
            group.addTask {
                for await _ in fences { await onFence() }
            }
            if let onCommand {
                group.addTask { [engine, id] in
                    await withDiscardingTaskGroup { commands in
                        for await message in relayed {
                            commands.addTask {
                                let (status, body) = await onCommand(message.envelope, message.body)
                                let answer = message.envelope.reply(
                                    kind: .reply, status: status, epoch: link.withLock { $0.knownEpoch }, origin: id)
                                engine.send(WireMessage(answer, body: body).frames, on: socket)
                            }
                        }
                    }
                }
            }
            group.addTask { [heartbeatInterval, logger, id] in
                defer {
                    fence.finish()
                    relay.finish()
                }
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeatInterval)
                    let orphaned = exitWhenOrphaned && getppid() != parent
                    for action in link.withLock({ $0.tick(now: .now, orphaned: orphaned) }) {
                        switch action {
                        case .orphaned:
                            logger.error("supervisor is gone; stopping", metadata: ["id": "\(id)"])
                            throw Orphaned(id: id)
                        case .heartbeat: send(.heartbeat, status().encoded())
                        case .hello: send(.hello, hello.encoded())
                        case .fence(let silence):
                            logger.error(
                                "no word from the supervisor within the lease; not serving until it answers",
                                metadata: ["id": "\(id)", "silentMs": "\(silence / .milliseconds(1))"])
                            fence.yield()
                        case .serve: break
                        }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// A value shared by the tasks of `run` (the receive loop and the timer), behind a lock.
private final class SharedState<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout sending Value) -> sending Result) -> Result {
        value.withLock { body(&$0) }
    }
}
