public import JSON

/// An event a client emitted on the default namespace, handed to the application.
public struct SocketIOEvent: Sendable, Hashable {
    /// The event name (a numeric name as JavaScript writes the number).
    public var name: String
    /// The arguments after the name, possibly none.
    public var arguments: [JSONValue]
    /// Set when the client waits for an acknowledgement (`emitWithAck`, `sio.call`).
    public var ackID: Int?

    /// Creates an event.
    public init(name: String, arguments: [JSONValue], ackID: Int? = nil) {
        self.name = name
        self.arguments = arguments
        self.ackID = ackID
    }
}
