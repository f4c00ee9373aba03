package import JSON

extension SocketIOPacket {
    /// The packet's wire text (without the Engine.IO `4`): compact JSON, non-ASCII written as raw UTF-8 like JS.
    package var encoded: String {
        var text = String(type.rawValue)
        if type == .binaryEvent || type == .binaryAck { text += "\(attachments)-" }
        if namespace != "/" { text += namespace + "," }
        if let ackID { text += String(ackID) }
        if let payload { text += payload.jsonString }
        return text
    }

    /// Decodes the text of one Engine.IO message with the JS parser's grammar and validity rules (§2.2): CONNECT an
    /// object or nothing; DISCONNECT nothing; EVENT a non-empty array named by a number or a non-reserved string; ACK
    /// an array; CONNECT_ERROR an object or a string. Stricter than JS in one way: an EVENT, ACK or CONNECT_ERROR
    /// must carry its data (JS lets `42` through and then fails later).
    package init(decoding text: String) throws(SocketIOParseError) {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else {
            throw SocketIOParseError(code: .emptyPacket, reason: "empty packet")
        }
        guard first >= UInt8(ascii: "0"), first <= UInt8(ascii: "6"),
            let type = PacketType(rawValue: Int(first - UInt8(ascii: "0")))
        else {
            throw SocketIOParseError(code: .unknownType, reason: "unknown packet type")
        }
        var index = 1
        var attachments = 0
        if type == .binaryEvent || type == .binaryAck {
            let start = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            guard index > start, index < bytes.count, bytes[index] == UInt8(ascii: "-"),
                let count = Int(String(decoding: bytes[start..<index], as: UTF8.self))
            else {
                throw SocketIOParseError(code: .invalidAttachments, reason: "illegal attachments")
            }
            guard count <= Self.maxAttachments else {
                throw SocketIOParseError(code: .tooManyAttachments, reason: "too many attachments")
            }
            attachments = count
            index += 1
        }
        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < bytes.count { index += 1 }
        }
        var ackID: Int?
        let idStart = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        if index > idStart {
            guard let id = Int(String(decoding: bytes[idStart..<index], as: UTF8.self)) else {
                throw SocketIOParseError(code: .invalidAckID, reason: "ack id out of range")
            }
            ackID = id
        }
        var payload: JSONValue?
        if index < bytes.count {
            do {
                payload = try JSONParser.parse(bytes[index...])
            } catch {
                throw SocketIOParseError(code: .invalidJSON, reason: "invalid payload: \(error)")
            }
        }
        guard Self.isValid(payload, for: type) else {
            throw SocketIOParseError(code: .invalidPayload, reason: "invalid payload for packet type \(type)")
        }
        self.init(type: type, namespace: namespace, attachments: attachments, ackID: ackID, payload: payload)
    }

    /// The event name and arguments of a valid EVENT or BINARY_EVENT; a numeric name is given as JavaScript
    /// writes the number (`1`, `2.5`), since JS event emitters key listeners by string.
    package var eventNameAndArguments: (name: String, arguments: [JSONValue])? {
        guard type == .event || type == .binaryEvent, case .array(let elements)? = payload,
            let first = elements.first
        else { return nil }
        switch first {
        case .string(let name): return (name, Array(elements.dropFirst()))
        case .number: return (first.jsonString, Array(elements.dropFirst()))
        default: return nil
        }
    }

    private static func isValid(_ payload: JSONValue?, for type: PacketType) -> Bool {
        switch (type, payload) {
        case (.connect, nil), (.connect, .object?): true
        case (.disconnect, nil): true
        case (.event, .array(let elements)?), (.binaryEvent, .array(let elements)?):
            switch elements.first {
            case .number?: true
            case .string(let name)?: !reservedEventNames.contains(name)
            default: false
            }
        case (.ack, .array?), (.binaryAck, .array?): true
        case (.connectError, .object?), (.connectError, .string?): true
        default: false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
