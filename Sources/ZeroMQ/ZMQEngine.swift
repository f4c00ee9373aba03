internal import CZeroMQ
internal import Foundation
package import Logging
import Synchronization

/// Owns a zmq context and one dedicated I/O thread that owns every socket created through it.
///
/// libzmq sockets must never be shared between threads (ZeroMQ guide, chapter 2), so callers never see one:
/// they hold a `ZMQSocketID` and hand commands to the thread through a mailbox. Socket operations suspend
/// until the thread has done them; sends only enqueue and never block; inbound messages arrive on an
/// `AsyncStream` in batches, because one stream element per message caps fan-in near 0.45 M msg/s here.
package final class ZMQEngine: Sendable {
    /// Names the thread and tags log lines.
    let name: String
    let mailbox: Mailbox

    /// Creates the context and starts the I/O thread.
    ///
    /// - Parameter outboundQueueLimit: messages that may wait per socket for libzmq to accept them (no peer yet,
    ///   or its high-water mark reached); a message past the limit is dropped and counted in `droppedOutbound`.
    /// - Parameter maxMessageSize: `ZMQ_MAXMSGSIZE` for every socket whose options do not set one: a peer that
    ///   sends a larger frame is disconnected before the frame is read into memory (nil: no limit).
    package init(name: String, logger: Logger, outboundQueueLimit: Int = 1_000_000, maxMessageSize: Int? = nil) {
        self.name = name
        self.mailbox = Mailbox()
        var logger = logger
        logger[metadataKey: "zmq.engine"] = "\(name)"
        guard mailbox.startupError == nil else {
            logger.critical("ZeroMQ engine cannot start", metadata: ["error": "\(mailbox.startupError!)"])
            return
        }
        let loop: Loop
        do {
            loop = try Loop(
                mailbox: mailbox, logger: logger, outboundQueueLimit: max(outboundQueueLimit, 0),
                maxMessageSize: maxMessageSize.map { Int64(max($0, 1)) } ?? -1)
        } catch {
            logger.critical("ZeroMQ engine cannot start", metadata: ["error": "\(error)"])
            mailbox.failStartup()
            return
        }
        // A plain thread, not a Task: zmq_poll blocks, and a blocked cooperative-pool thread starves async code.
        let threadName = "zmq-\(name)"
        let thread = Thread {
            // Named from inside: on Linux only the running thread's own name reaches the kernel (`top -H`, `perf`,
            // `/proc/…/task/…/comm`), which keeps its first 15 bytes.
            Thread.current.name = threadName
            loop.run()
        }
        thread.start()
    }

    deinit {
        // Without this a forgotten engine would keep its thread and context forever.
        mailbox.requestShutdown(waiter: nil)
    }

    /// Creates a socket on the I/O thread, applies `options`, binds and connects; returns once all of that is done.
    /// On any failure the socket is closed again and the `ZMQError` is thrown.
    package func makeSocket(
        _ type: ZMQSocketType,
        options: ZMQSocketOptions = .init(),
        bind: [String] = [],
        connect: [String] = []
    ) async throws -> ZMQSocketID {
        let id = mailbox.makeSocketID()
        try await submit("makeSocket(\(type))") { .open(id, type, options, bind: bind, connect: connect, $0) }
        return id
    }

    /// Binds the socket to another endpoint (`zmq_bind`).
    package func bind(_ socket: ZMQSocketID, to endpoint: String) async throws {
        try await submit("zmq_bind(\(endpoint))") { .update(socket, .bind(endpoint), $0) }
    }

    /// Connects the socket to another endpoint (`zmq_connect`); succeeds before the peer is reachable.
    package func connect(_ socket: ZMQSocketID, to endpoint: String) async throws {
        try await submit("zmq_connect(\(endpoint))") { .update(socket, .connect(endpoint), $0) }
    }

    /// Disconnects the socket from an endpoint it connected to (`zmq_disconnect`). Not for a receiving socket
    /// that may hold part of a multipart message from that peer: libzmq 4.3 then aborts on the next receive
    /// (`fq.cpp` `!_more`, zeromq/libzmq#2163); close such a socket instead (as the gateway does per worker link).
    package func disconnect(_ socket: ZMQSocketID, from endpoint: String) async throws {
        try await submit("zmq_disconnect(\(endpoint))") { .update(socket, .disconnect(endpoint), $0) }
    }

    /// Adds a topic prefix to a SUB socket; an empty prefix subscribes to everything.
    package func subscribe(_ socket: ZMQSocketID, to topic: [UInt8]) async throws {
        try await submit("subscribe") { .update(socket, .subscribe(topic), $0) }
    }

    /// Removes a topic prefix from a SUB socket.
    package func unsubscribe(_ socket: ZMQSocketID, from topic: [UInt8]) async throws {
        try await submit("unsubscribe") { .update(socket, .unsubscribe(topic), $0) }
    }

    /// `ZMQ_LAST_ENDPOINT`: after binding `tcp://127.0.0.1:*` this names the port the system chose.
    package func lastEndpoint(_ socket: ZMQSocketID) async throws -> String {
        try await submit("lastEndpoint") { .lastEndpoint(socket, $0) }
    }

    /// Enqueues one message from any thread without blocking; the I/O thread sends it.
    ///
    /// Messages to one socket leave in the order they were enqueued. A message is dropped (and counted in
    /// `droppedOutbound`) if the socket is unknown or closed, the engine is shutting down, the socket's
    /// waiting queue is at `outboundQueueLimit`, or libzmq rejects it (e.g. a mandatory ROUTER's unknown peer).
    package func send(_ message: ZMQMessage, on socket: ZMQSocketID) {
        if !mailbox.enqueue(.send(socket, message)) {
            mailbox.countDropped(1)
        }
    }

    /// Enqueues several messages for one socket at the cost of one enqueue; same rules as `send(_:on:)`.
    package func send(_ messages: [ZMQMessage], on socket: ZMQSocketID) {
        guard !messages.isEmpty else { return }
        if !mailbox.enqueue(.sendBatch(socket, messages)) {
            mailbox.countDropped(messages.count)
        }
    }

    /// Enqueues like `send(_:on:)` but leaves the I/O thread's wake-up to the caller: returns whether the caller
    /// must call `wake()`, which it does once it has released its own locks. A caller that sends while holding a
    /// lock (to keep its order) so never makes the I/O thread run, and wait for that lock, inside the section.
    package func sendDeferringWake(_ message: ZMQMessage, on socket: ZMQSocketID) -> Bool {
        let outcome = mailbox.enqueueDeferringWake(.send(socket, message))
        if !outcome.accepted { mailbox.countDropped(1) }
        return outcome.wake
    }

    /// Wakes the I/O thread for what `sendDeferringWake` queued.
    package func wake() {
        mailbox.wake()
    }

    /// The socket's inbound messages, each element a batch of everything that was readable at once (up to
    /// 4096 messages). Call at most once per socket; libzmq holds messages (up to the receive
    /// high-water mark) until it is called. The stream finishes when the socket closes or the engine shuts down;
    /// if the consumer goes away, the engine stops reading that socket.
    package func messages(of socket: ZMQSocketID) -> AsyncStream<[ZMQMessage]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [ZMQMessage].self, bufferingPolicy: .unbounded)
        let inbox = ZMQInbox(
            deliver: { batch in
                if case .terminated = continuation.yield(batch) { return false }
                return true
            },
            finish: { continuation.finish() })
        if !mailbox.enqueue(.attach(socket, inbox)) {
            continuation.finish()
        }
        return stream
    }

    /// Calls `handler` on the engine's I/O thread with each batch read from the socket (same batches and order as
    /// `messages(of:)`), and returns when the socket closes, the engine shuts down, or the calling task is
    /// cancelled (after which no batch is handed over). This saves the thread hop of a stream per batch; the
    /// handler must be short and never block, since it runs on the thread that serves every socket of the engine.
    /// Call at most once per socket, instead of `messages(of:)`.
    package func consume(_ socket: ZMQSocketID, handler: @escaping @Sendable ([ZMQMessage]) -> Void) async {
        let (finished, finish) = AsyncStream.makeStream(of: Never.self)
        let active = Mutex(true)
        let inbox = ZMQInbox(
            deliver: { batch in
                // Holding the lock while the handler runs means that once cancellation has cleared the flag, no
                // batch is being handled or will be.
                active.withLock { active in
                    if active { handler(batch) }
                    return active
                }
            },
            finish: { finish.finish() })
        guard mailbox.enqueue(.attach(socket, inbox)) else { return }
        await withTaskCancellationHandler {
            for await _ in finished {}
        } onCancel: {
            active.withLock { $0 = false }
            finish.finish()
        }
    }

    /// Closes the socket: messages still waiting for libzmq get one last non-blocking attempt, then are dropped;
    /// libzmq keeps delivering what it accepted for up to the linger time. Its stream finishes.
    package func close(_ socket: ZMQSocketID) async {
        await withCheckedContinuation { continuation in
            if !mailbox.enqueue(.close(socket, continuation)) {
                continuation.resume()
            }
        }
    }

    /// Flushes queued sends (for at most the sockets' linger time), closes every socket, terminates the context,
    /// finishes every stream and returns once the I/O thread has ended. Idempotent; later operations throw `ETERM`.
    package func shutdown() async {
        await withCheckedContinuation { continuation in
            mailbox.requestShutdown(waiter: continuation)
        }
    }

    /// Messages dropped on the way out because a socket's queue passed its limit, the socket errored or was
    /// unknown, or the engine was shutting down; for metrics.
    package var droppedOutbound: Int {
        mailbox.dropped.load(ordering: .relaxed)
    }

    /// Hands a command carrying a continuation to the I/O thread and waits for its answer.
    private func submit<Value: Sendable>(
        _ operation: @autoclosure () -> String,
        _ command: (CheckedContinuation<Value, any Error>) -> Command
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            if !mailbox.enqueue(command(continuation)) {
                continuation.resume(throwing: mailbox.refusal(operation()))
            }
        }
    }
}
