package import JSON

/// An event a client emitted on the default namespace, handed to the application.
package struct SocketIOEvent: Sendable, Hashable {
    /// The event name (a numeric name as JavaScript writes the number).
    package var name: String
    /// The arguments after the name, possibly none.
    package var arguments: [JSONValue]
    /// Set when the client waits for an acknowledgement (`emitWithAck`, `sio.call`).
    package var ackID: Int?

    /// Creates an event.
    package init(name: String, arguments: [JSONValue], ackID: Int? = nil) {
        self.name = name
        self.arguments = arguments
        self.ackID = ackID
    }
}
