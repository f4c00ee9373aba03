package import NIOCore

/// What the products' WebSocket handlers on the event loop share: they read only while they can take more (their
/// own rule, `mayRead`: nothing waits to be started, the rate allows, the client takes what it is sent), and they
/// close the channel on an error. Back-pressure: a client that sends faster than it is served, or reads slower
/// than it is written to, stops being read rather than growing buffers in the gateway.
package protocol ReadGatedHandler: ChannelDuplexHandler {
    /// Whether reading may go on now.
    var mayRead: Bool { get }
    /// Set when NIO asked to read while reading was held back.
    var readWanted: Bool { get set }
    /// The handler's context while it is in the pipeline.
    var context: ChannelHandlerContext? { get }
}

extension ReadGatedHandler {
    /// Reads now if allowed, else once `resumeReadingIfAllowed` finds it allowed.
    package func read(context: ChannelHandlerContext) {
        if mayRead { context.read() } else { readWanted = true }
    }

    /// Closes the channel. WebSocketProtocolErrorHandler, earlier in the pipeline, already sent the close frame a
    /// decoder error calls for.
    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Reads, if NIO asked while reading was held back and it is allowed now; call it whenever something that
    /// held reading back may have gone.
    package func resumeReadingIfAllowed() {
        guard readWanted, mayRead, let context else { return }
        readWanted = false
        context.read()
    }
}
