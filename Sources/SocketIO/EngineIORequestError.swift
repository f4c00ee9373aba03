import JSON

/// A refused Engine.IO request, with the reference server's answer (protocol reference §1.6).
package struct EngineIORequestError: Error, Sendable, Hashable {
    /// The class of refusal, matchable; ``number`` is the JS error code sent in the body.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The JS `code` field, or nil for a refusal JS answers without a JSON body.
        package let number: Int?
        /// The JS `message` field.
        package let message: String

        /// `0 Transport unknown`: `transport` missing or not `polling`/`websocket`.
        package static let transportUnknown = Code(number: 0, message: "Transport unknown")
        /// `1 Session ID unknown`: `sid` never existed, expired or closed.
        package static let sessionIDUnknown = Code(number: 1, message: "Session ID unknown")
        /// `2 Bad handshake method`: no `sid` and the method is not GET.
        package static let badHandshakeMethod = Code(number: 2, message: "Bad handshake method")
        /// `3 Bad request`: transport mismatch, `transport=websocket` without upgrade headers, bad `Origin`, JSONP.
        package static let badRequest = Code(number: 3, message: "Bad request")
        /// `4 Forbidden`: the handshake hook refused (HTTP 403).
        package static let forbidden = Code(number: 4, message: "Forbidden")
        /// `5 Unsupported protocol version`: handshake without `EIO=4`.
        package static let unsupportedProtocolVersion = Code(number: 5, message: "Unsupported protocol version")
        /// A known session asked with a method other than GET or POST: JS answers 500 with an empty body.
        package static let methodNotAllowed = Code(number: nil, message: "Method not allowed")

        /// `<number> <message>`.
        package var description: String { number.map { "\($0) \(message)" } ?? message }
    }

    /// The class of refusal.
    package var code: Code
    /// What to answer: JSON `{"code":N,"message":"…"}` for HTTP requests, the bare message as `text/html` for a
    /// WebSocket upgrade request (JS writes a raw `HTTP/1.1 400 Bad Request` with `Connection: close` and destroys
    /// the socket).
    package var response: EngineIOHTTPResponse

    /// The refusal `code` of an ordinary HTTP request, or of a WebSocket upgrade request when `webSocket`.
    package init(_ code: Code, webSocket: Bool = false) {
        self.code = code
        if webSocket {
            response = EngineIOHTTPResponse(status: 400, contentType: "text/html", body: code.message)
        } else if let number = code.number {
            var writer = JSONWriter(capacity: 64)
            writer.beginObject()
            writer.key("code")
            writer.value(number)
            writer.key("message")
            writer.value(code.message)
            writer.endObject()
            response = EngineIOHTTPResponse(
                status: code == .forbidden ? 403 : 400, contentType: "application/json",
                body: String(decoding: writer.bytes, as: UTF8.self))
        } else {
            response = EngineIOHTTPResponse(status: 500, contentType: nil, body: "")
        }
    }
}
