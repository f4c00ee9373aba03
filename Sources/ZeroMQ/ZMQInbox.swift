/// Where the I/O thread delivers one socket's inbound batches: an `AsyncStream` (`messages(of:)`) or a handler
/// that runs on the I/O thread itself (`consume(_:handler:)`).
struct ZMQInbox: Sendable {
    /// Hands over one batch; false once the consumer is gone (the engine then stops reading the socket).
    let deliver: @Sendable ([ZMQMessage]) -> Bool
    /// Called once when the socket closes or the engine stops.
    let finish: @Sendable () -> Void
}
