/// What an Engine.IO request is, once classified by ``EngineIORequest/route(sessionTransport:allowHandshake:)``.
package enum EngineIORoute: Sendable, Hashable {
    /// No `sid`: open a new session on this transport. Polling: answer with
    /// ``EngineIOSession/handshake(id:transport:configuration:at:)``'s response. WebSocket: accept the upgrade (101),
    /// then send the handshake's open packet as the first frame.
    case handshake(EngineIOTransport)
    /// A polling GET for a live session: pass it to ``EngineIOSession/handlePollGET(at:)``.
    case poll(sessionID: String)
    /// A polling POST for a live session: pass its body to ``EngineIOSession/handlePollPOST(body:contentType:at:)``.
    case post(sessionID: String)
    /// A WebSocket upgrade for a live session: accept it (101) and call ``EngineIOSession/webSocketOpened(_:at:)``.
    case upgrade(sessionID: String)
    /// Refused: write the error's response (its shape already suits a WebSocket request if this was one).
    case reject(EngineIORequestError)
}
