package import JSON

/// One Socket.IO v5 packet, carried as the text of one Engine.IO message (protocol reference §2.1–2.2):
/// `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`.
package struct SocketIOPacket: Sendable, Hashable {
    /// The packet types of protocol v5.
    package enum PacketType: Int, Sendable, Hashable, CaseIterable {
        /// `0`: client asks to join a namespace (optional auth object); server accepts with `{"sid":…}`.
        case connect = 0
        /// `1`: leave a namespace; no data.
        case disconnect = 1
        /// `2`: an event: a non-empty array whose first element is the name.
        case event = 2
        /// `3`: the answer to an event that carried an ack id: an array.
        case ack = 3
        /// `4`: server refuses a CONNECT: `{"message":…}` (a string in older versions).
        case connectError = 4
        /// `5`: an event with binary parts, followed by its attachments as binary messages.
        case binaryEvent = 5
        /// `6`: an ack with binary parts, followed by its attachments.
        case binaryAck = 6
    }

    /// Most attachments a binary packet may announce: the JS parser's default `maxAttachments`.
    package static let maxAttachments = 10

    /// Event names a client may not use: they are the server's own lifecycle events.
    static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    /// The packet type.
    package var type: PacketType
    /// The namespace, `/` by default (then omitted on the wire).
    package var namespace: String
    /// The number of binary attachments that follow; only for ``PacketType/binaryEvent`` and
    /// ``PacketType/binaryAck``, otherwise 0.
    package var attachments: Int
    /// The ack id: on an event, asks for an ack; on an ack, names the event it answers.
    package var ackID: Int?
    /// The JSON data, if any.
    package var payload: JSONValue?

    /// Creates a packet; see the type's rules in ``PacketType``.
    package init(
        type: PacketType, namespace: String = "/", attachments: Int = 0, ackID: Int? = nil, payload: JSONValue? = nil
    ) {
        self.type = type
        self.namespace = namespace
        self.attachments = attachments
        self.ackID = ackID
        self.payload = payload
    }

    /// An EVENT: `2["name",…arguments]`.
    package static func event(
        _ name: String, _ arguments: [JSONValue], namespace: String = "/", ackID: Int? = nil
    ) -> SocketIOPacket {
        SocketIOPacket(type: .event, namespace: namespace, ackID: ackID, payload: .array([.string(name)] + arguments))
    }

    /// An ACK answering event `id`: `3<id>[…arguments]`.
    package static func ack(_ id: Int, _ arguments: [JSONValue], namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .ack, namespace: namespace, ackID: id, payload: .array(arguments))
    }

    /// The server's acceptance of a CONNECT: `0{"sid":"<socket id>"}`.
    package static func connectAccepted(socketID: String, namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(
            type: .connect, namespace: namespace, payload: .object(JSONObject([("sid", .string(socketID))])))
    }

    /// A refused CONNECT: `4<nsp>,{"message":"…"}`.
    package static func connectError(_ message: String, namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(
            type: .connectError, namespace: namespace, payload: .object(JSONObject([("message", .string(message))])))
    }

    /// A DISCONNECT: `1`, or `1<nsp>,`.
    package static func disconnect(namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .disconnect, namespace: namespace)
    }
}
