/// Why a presence client could not take part.
enum PresenceLoadError: Error, CustomStringConvertible {
    /// The connection closed before the Socket.IO connect was accepted.
    case closedBeforeConnect
    /// The Socket.IO connect was not accepted in time.
    case connectTimedOut
    /// The server refused the connect (`44…`) or disconnected the client (`41`).
    case refused(String)
    /// No client could connect at all.
    case noConnection(String)

    var description: String {
        switch self {
        case .closedBeforeConnect: "the connection closed before the Socket.IO connect was accepted"
        case .connectTimedOut: "the WebSocket upgrade or Socket.IO connect did not complete in time"
        case .refused(let packet): "the server refused the Socket.IO connect: \(packet)"
        case .noConnection(let message): message
        }
    }
}
