extension ZMQEngine {
    /// Work handed from any thread to the I/O thread through the mailbox; each waiting caller's continuation
    /// rides along and is resumed exactly once by the I/O thread (or by the caller if the mailbox refuses it).
    enum Command: Sendable {
        /// Create a socket, apply its options, bind and connect.
        case open(
            ZMQSocketID,
            ZMQSocketType,
            ZMQSocketOptions,
            bind: [String],
            connect: [String],
            CheckedContinuation<Void, any Error>
        )
        /// One endpoint or subscription change on an open socket.
        case update(ZMQSocketID, SocketUpdate, CheckedContinuation<Void, any Error>)
        /// Read `ZMQ_LAST_ENDPOINT`.
        case lastEndpoint(ZMQSocketID, CheckedContinuation<String, any Error>)
        /// Queue one message.
        case send(ZMQSocketID, ZMQMessage)
        /// Queue several messages, in order.
        case sendBatch(ZMQSocketID, [ZMQMessage])
        /// Start delivering inbound messages of the socket to this consumer.
        case attach(ZMQSocketID, ZMQInbox)
        /// Close one socket.
        case close(ZMQSocketID, CheckedContinuation<Void, Never>)
        /// Always the last command: flush, close everything, terminate the context.
        case shutdown
    }

    /// The endpoint and subscription changes a caller can make after creation.
    enum SocketUpdate: Sendable {
        case bind(String)
        case connect(String)
        case disconnect(String)
        case subscribe([UInt8])
        case unsubscribe([UInt8])
    }
}
