internal import CZeroMQ
import Logging

extension ZMQEngine {
    /// Everything the I/O thread owns, and the loop it runs.
    ///
    /// `@unchecked Sendable` because it crosses into the thread exactly once, in the `Thread` closure; from then
    /// on only the I/O thread touches it (the context and socket pointers, the socket table, the frame buffer),
    /// as libzmq requires. The one thing it shares, `mailbox`, is thread-safe on its own.
    final class Loop: @unchecked Sendable {
        /// Most messages read from one socket per wake-up, so one busy socket cannot starve the others.
        static let receiveBatchLimit = 4096

        let mailbox: Mailbox
        let logger: Logger
        let outboundQueueLimit: Int
        /// `ZMQ_MAXMSGSIZE` for sockets whose options leave it unset (-1: none).
        let maxMessageSize: Int64
        let context: UnsafeMutableRawPointer
        /// One reusable `zmq_msg_t` for receiving; libzmq wants it pointer-aligned.
        let frame: UnsafeMutablePointer<zmq_msg_t>
        var sockets: [ZMQSocketID: Socket] = [:]
        /// Set by the `.shutdown` command; the loop then flushes and ends.
        var stopping = false

        // Reused every iteration to avoid allocating in the hot loop.
        private var pollItems: [zmq_pollitem_t] = []
        private var polledSockets: [Socket] = []
        private var commands: [Command] = []
        /// Sockets holding messages for `coalesce` in this wake-up.
        var holding: [Socket] = []

        init(mailbox: Mailbox, logger: Logger, outboundQueueLimit: Int, maxMessageSize: Int64) throws(ZMQError) {
            self.maxMessageSize = maxMessageSize
            self.mailbox = mailbox
            self.logger = logger
            self.outboundQueueLimit = outboundQueueLimit
            self.context = try zmqCall(where: "zmq_ctx_new") { zmq_ctx_new() }
            let alignment = max(MemoryLayout<zmq_msg_t>.alignment, MemoryLayout<UnsafeRawPointer>.alignment)
            self.frame = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<zmq_msg_t>.size, alignment: alignment)
                .bindMemory(to: zmq_msg_t.self, capacity: 1)
        }

        /// The thread's body: poll, run commands, move messages, until shutdown; then flush and tear down.
        func run() {
            logger.debug("ZeroMQ I/O thread started")
            mailbox.enterLoopThread()
            while !stopping {
                iterate()
            }
            tearDown()
        }

        /// One wake-up: wait in `zmq_poll`, run the queued commands, then serve the sockets that were ready.
        private func iterate() {
            pollItems.removeAll(keepingCapacity: true)
            polledSockets.removeAll(keepingCapacity: true)
            pollItems.append(zmq_pollitem_t(socket: nil, fd: mailbox.wakeDescriptor, events: pollIn, revents: 0))
            for socket in sockets.values {
                guard let handle = socket.handle else { continue }
                // POLLIN only with a consumer, so an unread socket pushes back through its high-water mark;
                // POLLOUT only while messages wait, since most sockets are writable almost always.
                let events = (socket.inbox == nil ? 0 : pollIn) | (socket.outbox.isEmpty ? 0 : pollOut)
                if events != 0 {
                    pollItems.append(zmq_pollitem_t(socket: handle, fd: 0, events: events, revents: 0))
                    polledSockets.append(socket)
                }
            }
            if let error = poll(&pollItems, timeoutMilliseconds: -1) {
                // Only a bug (EFAULT) or a terminated context gets here; spinning on it would burn a core.
                logger.critical("zmq_poll failed; stopping the engine", metadata: ["error": "\(error)"])
                stopping = true
                return
            }
            if pollItems[0].revents & pollIn != 0 {
                mailbox.clearWake()
            }
            runCommands()
            for (index, socket) in polledSockets.enumerated() where socket.handle != nil {
                let ready = pollItems[index + 1].revents
                if ready & pollOut != 0 {
                    flush(socket)
                }
                if ready & pollIn != 0 {
                    receive(from: socket)
                }
            }
            // What the consumers queued from this thread (they do not signal the eventfd) goes out now, in this
            // wake-up; so does anything another thread queued meanwhile.
            while runCommands() {}
        }

        /// Runs the commands queued so far, then sends what the coalescing sockets hold; false if there were none.
        @discardableResult
        private func runCommands() -> Bool {
            guard mailbox.drain(into: &commands) else { return false }
            for command in commands {
                handle(command)
            }
            commands.removeAll(keepingCapacity: true)
            for socket in holding { release(socket) }
            holding.removeAll(keepingCapacity: true)
            return true
        }

        /// `zmq_poll` through the checked helper; `nil` on success.
        func poll(_ items: inout [zmq_pollitem_t], timeoutMilliseconds: Int) -> ZMQError? {
            do {
                try zmqCall(where: "zmq_poll") {
                    items.withUnsafeMutableBufferPointer {
                        zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds)
                    }
                }
                return nil
            } catch {
                return error
            }
        }

        /// Runs one command from the mailbox.
        private func handle(_ command: Command) {
            switch command {
            case .open(let id, let type, let options, let bind, let connect, let continuation):
                do {
                    sockets[id] = try open(id, type, options: options, bind: bind, connect: connect)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            case .update(let id, let update, let continuation):
                do {
                    try apply(update, to: handle(of: id, for: update.operation))
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            case .lastEndpoint(let id, let continuation):
                do {
                    continuation.resume(returning: try lastEndpoint(of: handle(of: id, for: "lastEndpoint")))
                } catch {
                    continuation.resume(throwing: error)
                }
            case .send(let id, let message):
                guard let socket = sockets[id] else {
                    mailbox.countDropped(1)
                    return
                }
                hold(message, on: socket)
            case .sendBatch(let id, let messages):
                guard let socket = sockets[id] else {
                    mailbox.countDropped(messages.count)
                    return
                }
                for message in messages {
                    hold(message, on: socket)
                }
            case .attach(let id, let inbox):
                guard let socket = sockets[id] else {
                    inbox.finish()
                    return
                }
                if socket.inbox != nil {
                    logger.error(
                        "a second consumer attached to one socket; it is finished at once",
                        metadata: ["socket": "\(id)"])
                    inbox.finish()
                } else {
                    socket.inbox = inbox
                }
            case .close(let id, let continuation):
                if let socket = sockets.removeValue(forKey: id) {
                    release(socket)
                    flush(socket)
                    mailbox.countDropped(socket.outbox.removeAll())
                    closeHandle(of: socket)
                }
                continuation.resume()
            case .shutdown:
                stopping = true
            }
        }

        /// The live handle of a socket, or `ENOTSOCK` for an unknown or closed id.
        private func handle(of id: ZMQSocketID, for operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
            guard let handle = sockets[id]?.handle else {
                throw ZMQError(code: ENOTSOCK, operation: "\(operation) on \(id)")
            }
            return handle
        }

        /// Closes the libzmq socket (its linger governs what libzmq still delivers) and finishes its stream.
        func closeHandle(of socket: Socket) {
            if let handle = socket.handle {
                do {
                    try zmqCall(where: "zmq_close") { zmq_close(handle) }
                } catch {
                    logger.error("zmq_close failed", metadata: ["socket": "\(socket.id)", "error": "\(error)"])
                }
                socket.handle = nil
            }
            socket.inbox?.finish()
            socket.inbox = nil
        }

        /// Flushes what it can within the sockets' linger, closes every socket, terminates the context (bounded
        /// because every socket has a finite linger), then releases the `shutdown()` callers.
        private func tearDown() {
            flushBeforeShutdown()
            for socket in sockets.values {
                mailbox.countDropped(socket.outbox.removeAll())
                closeHandle(of: socket)
            }
            sockets = [:]
            do {
                try zmqCall(where: "zmq_ctx_term") { zmq_ctx_term(context) }
            } catch {
                logger.error("zmq_ctx_term failed", metadata: ["error": "\(error)"])
            }
            UnsafeMutableRawPointer(frame).deallocate()
            logger.debug("ZeroMQ I/O thread stopped")
            for command in mailbox.markStopped() {
                refuse(command)
            }
        }

        /// Answers a command that arrived after the loop stopped, so that no caller waits forever.
        private func refuse(_ command: Command) {
            switch command {
            case .open(_, _, _, _, _, let continuation), .update(_, _, let continuation):
                continuation.resume(throwing: mailbox.refusal("socket operation"))
            case .lastEndpoint(_, let continuation):
                continuation.resume(throwing: mailbox.refusal("lastEndpoint"))
            case .send:
                mailbox.countDropped(1)
            case .sendBatch(_, let messages):
                mailbox.countDropped(messages.count)
            case .attach(_, let inbox):
                inbox.finish()
            case .close(_, let continuation):
                continuation.resume()
            case .shutdown:
                break
            }
        }

        /// Waits for POLLOUT on sockets that still hold messages, for at most the longest finite linger among them.
        private func flushBeforeShutdown() {
            let waiting = sockets.values.filter { !$0.outbox.isEmpty }
            guard !waiting.isEmpty else { return }
            let budget = waiting.map { max($0.linger, 0) }.max() ?? 0
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .milliseconds(budget))
            while true {
                let pending = sockets.values.filter { !$0.outbox.isEmpty && $0.handle != nil }
                let remaining = clock.now.duration(to: deadline)
                guard !pending.isEmpty, remaining > .zero else { break }
                var items = pending.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: pollOut, revents: 0) }
                let milliseconds =
                    remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                if let error = poll(&items, timeoutMilliseconds: max(Int(milliseconds), 1)) {
                    logger.error("zmq_poll failed while flushing", metadata: ["error": "\(error)"])
                    break
                }
                for (index, socket) in pending.enumerated() where items[index].revents & pollOut != 0 {
                    flush(socket)
                }
            }
        }
    }
}

/// `ZMQ_POLLIN` / `ZMQ_POLLOUT` in the width of `zmq_pollitem_t.events`.
private let pollIn = Int16(ZMQ_POLLIN)
private let pollOut = Int16(ZMQ_POLLOUT)

extension ZMQEngine.SocketUpdate {
    /// Names the libzmq call, for errors.
    var operation: String {
        switch self {
        case .bind(let endpoint): "zmq_bind(\(endpoint))"
        case .connect(let endpoint): "zmq_connect(\(endpoint))"
        case .disconnect(let endpoint): "zmq_disconnect(\(endpoint))"
        case .subscribe: "ZMQ_SUBSCRIBE"
        case .unsubscribe: "ZMQ_UNSUBSCRIBE"
        }
    }
}
