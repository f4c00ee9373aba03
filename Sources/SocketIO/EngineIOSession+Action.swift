extension EngineIOSession {
    /// One thing the caller must do, in the order given.
    package enum Action: Sendable, Hashable {
        /// Answer the HTTP request passed to this very call (a POST's `ok`, an immediate GET answer, a refusal).
        case respond(EngineIOHTTPResponse)
        /// Keep the GET passed to this call open: a later ``releasePoll(_:)`` from any call answers it.
        case holdPoll
        /// Answer the held GET with this response.
        case releasePoll(EngineIOHTTPResponse)
        /// Write this frame on the named WebSocket.
        case sendFrame(EngineIOFrame, webSocket: Int)
        /// Close the named WebSocket with this close code (1000 normal, 1002 protocol error, 1009 too big), after
        /// any frame already sent; forget it afterwards.
        case closeWebSocket(Int, code: UInt16)
        /// Hand an inbound message to the application (Socket.IO), in arrival order.
        case deliver(EngineIOMessage)
        /// The session is over: remove it from the session table; later requests for its id are unknown.
        case closed(EngineIOCloseReason)
    }
}
