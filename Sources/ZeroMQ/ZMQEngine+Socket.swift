extension ZMQEngine.Loop {
    /// The I/O thread's record of one socket. Not `Sendable`: it never leaves the I/O thread.
    final class Socket {
        let id: ZMQSocketID
        let type: ZMQSocketType
        /// The libzmq socket; `nil` once closed.
        var handle: UnsafeMutableRawPointer?
        /// `ZMQ_LINGER`, reused as this socket's share of the shutdown flush budget.
        let linger: Int32
        /// Where inbound batches go; `nil` until a consumer attaches, or after it went away.
        var inbox: ZMQInbox?
        /// Messages libzmq refused with EAGAIN, oldest first; non-empty only while waiting for POLLOUT.
        var outbox = ZMQOutboundQueue()
        /// Frames of a multipart message whose remaining frames have not been read yet.
        var partial: ZMQMessage = []
        /// Set when the outbox first overflows, so one overflow episode logs one warning.
        var warnedOverflow = false
        /// `ZMQSocketOptions.peerUserIDFrame`.
        let peerUserIDFrame: Bool
        /// `ZMQSocketOptions.coalesce`.
        let coalesce: (@Sendable ([ZMQMessage]) -> [ZMQMessage])?
        /// Messages handed over during this wake-up, held so that `coalesce` sees them together.
        var held: [ZMQMessage] = []

        init(
            id: ZMQSocketID, type: ZMQSocketType, handle: UnsafeMutableRawPointer, linger: Int32,
            peerUserIDFrame: Bool = false, coalesce: (@Sendable ([ZMQMessage]) -> [ZMQMessage])? = nil
        ) {
            self.coalesce = coalesce
            self.id = id
            self.type = type
            self.handle = handle
            self.linger = linger
            self.peerUserIDFrame = peerUserIDFrame
        }
    }
}
