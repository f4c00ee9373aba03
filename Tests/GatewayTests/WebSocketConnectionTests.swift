import NIOCore
import NIOWebSocket
import Testing

@testable import Gateway
@testable import GatewayCore

@Suite struct WebSocketConnectionTests {
    func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, masked: Bool = true) -> WebSocketFrame {
        var data = ByteBuffer(string: text)
        let key: WebSocketMaskingKey? = masked ? WebSocketMaskingKey([1, 2, 3, 4]) : nil
        if let key { data.webSocketMask(key) }
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
    }

    @Test func aMaskedTextMessageArrivesUnmasked() {
        var connection = WebSocketConnection(maxMessageSize: 100)
        #expect(connection.receive(frame(.text, "hello")) == .text(ByteBuffer(string: "hello")))
        #expect(connection.receive(frame(.binary, "\u{1}")) == .binary(ByteBuffer(string: "\u{1}")))
    }

    @Test func fragmentsAreAssembledWithControlFramesBetweenThem() {
        var connection = WebSocketConnection(maxMessageSize: 100)
        #expect(connection.receive(frame(.text, "hel", fin: false)) == .none)
        #expect(connection.receive(frame(.ping, "p")) == .pong(ByteBuffer(string: "p")))
        #expect(connection.receive(frame(.continuation, "l", fin: false)) == .none)
        #expect(connection.receive(frame(.continuation, "o")) == .text(ByteBuffer(string: "hello")))
    }

    @Test func theSizeLimitCountsTheWholeMessage() {
        var connection = WebSocketConnection(maxMessageSize: 5)
        #expect(connection.receive(frame(.text, "12345")) == .text(ByteBuffer(string: "12345")))
        #expect(connection.receive(frame(.text, "1234", fin: false)) == .none)
        #expect(connection.receive(frame(.continuation, "56")) == .fail(.messageTooLarge, reason: "message too large"))
        #expect(connection.receive(frame(.text, "123456")) == .fail(.messageTooLarge, reason: "message too large"))
    }

    @Test func brokenSequencesAreProtocolErrors() {
        var connection = WebSocketConnection(maxMessageSize: 100)
        #expect(
            connection.receive(frame(.continuation, "x"))
                == .fail(.protocolError, reason: "continuation without a message"))
        #expect(connection.receive(frame(.text, "a", fin: false)) == .none)
        #expect(
            connection.receive(frame(.binary, "b"))
                == .fail(.protocolError, reason: "new message inside a fragmented one"))
        var reserved = frame(.text, "a")
        reserved.rsv1 = true
        #expect(
            WebSocketConnection(maxMessageSize: 9).receiveCopy(reserved)
                == .fail(.protocolError, reason: "reserved bit set"))
        let unknown = WebSocketFrame(
            fin: true, opcode: WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, data: ByteBuffer())
        #expect(
            WebSocketConnection(maxMessageSize: 9).receiveCopy(unknown)
                == .fail(.protocolError, reason: "unknown opcode"))
    }

    @Test func textMustBeUTF8() {
        var connection = WebSocketConnection(maxMessageSize: 100)
        let invalid = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: [0x61, 0xC3]))
        #expect(connection.receive(invalid) == .fail(.dataInconsistentWithMessage, reason: "text is not UTF-8"))
    }

    @Test func aCloseIsAnsweredWithTheClientsCodeAndDataAfterOursIsDropped() {
        var connection = WebSocketConnection(maxMessageSize: 100)
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: .goingAway)
        #expect(
            connection.receive(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload))
                == .closedByClient(.goingAway))
        #expect(
            connection.receive(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer()))
                == .closedByClient(.normalClosure))
        connection.sentClose()
        #expect(connection.receive(frame(.text, "late")) == .none)
        #expect(connection.receive(frame(.ping, "p")) == .none)
    }
}

extension WebSocketConnection {
    /// `receive` on a copy, for one-frame checks.
    func receiveCopy(_ frame: WebSocketFrame) -> Event {
        var copy = self
        return copy.receive(frame)
    }
}
