internal import CZeroMQ

extension ZMQEngine.Loop {
    /// Reads whatever is readable (up to `receiveBatchLimit` messages) and yields it as one batch, because a
    /// stream element per message costs more than the messages themselves at high rates.
    func receive(from socket: Socket) {
        guard let handle = socket.handle, let inbox = socket.inbox else { return }
        var batch: [ZMQMessage] = []
        while batch.count < Self.receiveBatchLimit {
            zmq_msg_init(frame)
            let result: ZMQCallResult
            do {
                result = try zmqCall(blocking: true, where: "zmq_msg_recv") {
                    zmq_msg_recv(frame, handle, ZMQ_DONTWAIT)
                }
            } catch {
                zmq_msg_close(frame)
                logger.error("receive failed", metadata: ["socket": "\(socket.id)", "error": "\(error)"])
                break
            }
            guard case .processed = result else {
                zmq_msg_close(frame)
                break
            }
            socket.partial.append(Array(UnsafeRawBufferPointer(start: zmq_msg_data(frame), count: zmq_msg_size(frame))))
            let more = zmq_msg_more(frame) != 0
            if !more && socket.peerUserIDFrame {
                // Every frame of a message carries its connection's metadata; the last one is always a peer's frame.
                let user = zmq_msg_gets(frame, "User-Id").map { Array(String(cString: $0).utf8) } ?? []
                socket.partial.insert(user, at: 0)
            }
            zmq_msg_close(frame)
            if !more {
                batch.append(socket.partial)
                socket.partial = []
            }
        }
        guard !batch.isEmpty else { return }
        if !inbox.deliver(batch) {
            // Nobody listens any more: stop polling POLLIN and let libzmq's high-water mark push back.
            socket.inbox = nil
        }
    }
}
