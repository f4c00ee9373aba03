import Base64Coding

extension EngineIOPacket {
    /// The packet's text form, as it appears in a polling body: type digit + data, or `b` + base64 for binary.
    package var text: String {
        switch self {
        case .open(let json): "0" + json
        case .close: "1"
        case .ping(let data): "2" + data
        case .pong(let data): "3" + data
        case .message(.text(let text)): "4" + text
        case .message(.binary(let bytes)): "b" + Base64.encode(bytes)
        case .upgrade: "5"
        case .noop: "6"
        }
    }

    /// The packet as one WebSocket frame: a binary message as a binary frame, everything else as its text form.
    package var webSocketFrame: EngineIOFrame {
        if case .message(.binary(let bytes)) = self { return .binary(bytes) }
        return .text(text)
    }

    /// Decodes one packet's text form (one element of a polling body, or a WebSocket text frame).
    package init(text: String) throws(EngineIOParseError) {
        guard let first = text.utf8.first else {
            throw EngineIOParseError(code: .emptyPacket, reason: "empty packet")
        }
        // The first byte is ASCII in every accepted case, so dropping one scalar drops exactly the type character
        // (dropping a Character could swallow a combining mark that follows it).
        var data: String { String(text.unicodeScalars.dropFirst()) }
        switch first {
        case UInt8(ascii: "0"): self = .open(data)
        case UInt8(ascii: "1"): self = .close
        case UInt8(ascii: "2"): self = .ping(data)
        case UInt8(ascii: "3"): self = .pong(data)
        case UInt8(ascii: "4"): self = .message(.text(data))
        case UInt8(ascii: "5"): self = .upgrade
        case UInt8(ascii: "6"): self = .noop
        case UInt8(ascii: "b"):
            guard let bytes = Base64.decode(data.utf8) else {
                throw EngineIOParseError(code: .invalidBase64, reason: "binary packet is not base64")
            }
            self = .message(.binary(bytes))
        default:
            throw EngineIOParseError(code: .unknownType, reason: "unknown packet type \(Unicode.Scalar(first))")
        }
    }

    /// Decodes one WebSocket frame: a binary frame is always a binary message; a text frame is a packet's text form.
    package init(webSocketFrame frame: EngineIOFrame) throws(EngineIOParseError) {
        switch frame {
        case .binary(let bytes): self = .message(.binary(bytes))
        case .text(let text): try self.init(text: text)
        }
    }
}
