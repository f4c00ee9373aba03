internal import CZeroMQ

extension ZMQEngine.Loop {
    /// What became of one attempt to hand a message to libzmq.
    enum SendOutcome {
        /// libzmq accepted every frame.
        case sent
        /// The first frame met EAGAIN; nothing was sent, try again on POLLOUT.
        case wouldBlock
        /// libzmq rejected it for good; it was counted and logged.
        case dropped
    }

    /// Sends at once (see `enqueue`), or, on a socket that coalesces, keeps the message until the wake-up's commands
    /// have all run.
    func hold(_ message: ZMQMessage, on socket: Socket) {
        guard socket.coalesce != nil else { return enqueue(message, on: socket) }
        if socket.held.isEmpty { holding.append(socket) }
        socket.held.append(message)
    }

    /// Sends what `socket` holds, rewritten by its `coalesce` when there is more than one message.
    func release(_ socket: Socket) {
        guard !socket.held.isEmpty else { return }
        let held = socket.held
        socket.held = []
        let messages = held.count > 1 ? socket.coalesce?(held) ?? held : held
        for message in messages { enqueue(message, on: socket) }
    }

    /// Sends at once if nothing is waiting ahead of the message, else queues it behind the others, within the limit.
    func enqueue(_ message: ZMQMessage, on socket: Socket) {
        if socket.outbox.isEmpty {
            if send(message, on: socket) != .wouldBlock {
                return
            }
        } else if socket.outbox.count >= outboundQueueLimit {
            mailbox.countDropped(1)
            if !socket.warnedOverflow {
                socket.warnedOverflow = true
                logger.warning(
                    "outbound queue full; dropping new messages",
                    metadata: ["socket": "\(socket.id)", "limit": "\(outboundQueueLimit)"]
                )
            }
            return
        }
        socket.outbox.append(message)
    }

    /// Sends waiting messages in order until libzmq pushes back again or none are left.
    func flush(_ socket: Socket) {
        while let message = socket.outbox.first {
            if send(message, on: socket) == .wouldBlock {
                return
            }
            socket.outbox.removeFirst()
        }
        socket.warnedOverflow = false
    }

    /// Sends one multipart message without blocking: `ZMQ_SNDMORE` on all but the last frame. Only the first
    /// frame can meet EAGAIN; once libzmq accepts it, it accepts the rest and delivers all frames or none.
    func send(_ message: ZMQMessage, on socket: Socket) -> SendOutcome {
        guard let handle = socket.handle else {
            mailbox.countDropped(1)
            return .dropped
        }
        guard !message.isEmpty else {
            // ZMTP has no zero-frame message; dropping is the only honest answer.
            mailbox.countDropped(1)
            logger.debug("dropping a message with no frames", metadata: ["socket": "\(socket.id)"])
            return .dropped
        }
        let last = message.count - 1
        for (index, frame) in message.enumerated() {
            let flags = ZMQ_DONTWAIT | (index < last ? ZMQ_SNDMORE : 0)
            let result: Result<ZMQCallResult, ZMQError>
            do {
                result = .success(
                    try zmqCall(blocking: true, where: "zmq_send") {
                        frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                    }
                )
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(.processed):
                continue
            case .success(.wouldBlock) where index == 0:
                return .wouldBlock
            case .success(.wouldBlock):
                return dropped(on: socket, ZMQError(code: ZMQError.Code.again, operation: "zmq_send frame \(index)"))
            case .failure(let error):
                return dropped(on: socket, error)
            }
        }
        return .sent
    }

    private func dropped(on socket: Socket, _ error: ZMQError) -> SendOutcome {
        mailbox.countDropped(1)
        logger.debug("send failed; message dropped", metadata: ["socket": "\(socket.id)", "error": "\(error)"])
        return .dropped
    }
}
