import Foundation
public import Logging
import Synchronization
public import Wire
public import ZeroMQ

/// A process's link to the supervisor: says hello, heartbeats, and hands every newer partition map to its owner
/// (docs/protocol.md §5).
public final class FleetMembership: Sendable {
    /// This process's id (`w1`, `g1`, …); the origin of everything it sends.
    public let id: String
    /// Gateway or worker.
    public let role: ProcessRole
    private let engine: ZMQEngine
    private let supervisorEndpoint: String
    private let heartbeatInterval: Duration
    private let logger: Logger
    /// Sends one heartbeat now; set while `run` runs.
    private let beat = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates a membership; nothing happens until `run`.
    public init(
        engine: ZMQEngine, id: String, role: ProcessRole, supervisorEndpoint: String, heartbeatInterval: Duration,
        logger: Logger
    ) {
        self.engine = engine
        self.id = id
        self.role = role
        self.supervisorEndpoint = supervisorEndpoint
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// Sends a heartbeat at once instead of at the next interval (a worker that just closed a moved partition's
    /// file tells the supervisor without waiting).
    public func heartbeatNow() { beat.withLock { $0 }?() }

    /// Runs until the task is cancelled: sends `hello`, then a heartbeat every interval, and calls `onMap` for every
    /// map newer than the last one. `status` is read at each heartbeat. If `exitWhenOrphaned`, the process exits
    /// when its parent (the supervisor that launched it) is gone, so a killed supervisor leaves no strays.
    public func run(
        hello: HelloMessage, exitWhenOrphaned: Bool,
        status: @escaping @Sendable () -> HeartbeatMessage,
        onMap: @escaping @Sendable (PartitionMap) async -> Void,
        malformed: @escaping @Sendable (WireError) -> Void
    ) async throws {
        var options = ZMQSocketOptions()
        // One identity per incarnation: a restarted process is a new peer to the supervisor's ROUTER.
        options.identity = Array("\(id).\(hello.pid)".utf8)
        options.lingerMilliseconds = 100
        let socket = try await engine.makeSocket(.dealer, options: options, connect: [supervisorEndpoint])
        let parent = getppid()
        let knownEpoch = EpochBox()

        @Sendable func send(_ kind: MessageKind, _ body: [UInt8]) {
            let envelope = Envelope(kind: kind, epoch: knownEpoch.value, origin: id)
            engine.send(WireMessage(envelope, body: body).frames, on: socket)
        }
        send(.hello, hello.encoded())
        beat.withLock { $0 = { send(.heartbeat, status().encoded()) } }
        defer { beat.withLock { $0 = nil } }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [engine] in
                for await batch in engine.messages(of: socket) {
                    for frames in batch {
                        do {
                            let message = try WireMessage(frames: frames)
                            switch message.envelope.kind {
                            case .map:
                                let map = try PartitionMap(decoding: message.body, epoch: message.envelope.epoch)
                                if map.epoch > knownEpoch.value {
                                    knownEpoch.value = map.epoch
                                    await onMap(map)
                                }
                            case .heartbeat:
                                break
                            default:
                                throw WireError(.badValue, "unexpected \(message.envelope.kind) from supervisor")
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
                }
            }
            try await group.next()
            group.cancelAll()
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
