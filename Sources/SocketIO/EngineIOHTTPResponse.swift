/// An HTTP answer the caller writes for a polling request or a refused handshake.
///
/// Headers other than `Content-Type` are the caller's: the reference server adds `Content-Length` and, on polling
/// bodies, `Cache-Control: no-store`.
package struct EngineIOHTTPResponse: Sendable, Hashable {
    /// The status code.
    package var status: Int
    /// The `Content-Type` header, or nil for a response without a body.
    package var contentType: String?
    /// The body, UTF-8.
    package var body: String

    /// Creates a response.
    package init(status: Int, contentType: String?, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A GET answer carrying `packets` joined by 0x1E: `200`, `text/plain; charset=UTF-8`. Never empty: the JS
    /// client decodes an empty body as an error and closes (§1.4).
    package static func packets(_ packets: [EngineIOPacket]) -> EngineIOHTTPResponse {
        EngineIOHTTPResponse(
            status: 200, contentType: "text/plain; charset=UTF-8", body: EngineIOPayload.encode(packets))
    }

    /// The answer to an accepted POST: `200`, `text/html`, `ok` (the JS client requires status 200 exactly).
    package static let ok = EngineIOHTTPResponse(status: 200, contentType: "text/html", body: "ok")

    /// `400` with an empty body: the reference server's answer to a second concurrent GET (§4.4).
    package static let badRequest = EngineIOHTTPResponse(status: 400, contentType: nil, body: "")

    /// `413` with an empty body: a POST over `maxPayload` (§1.11).
    package static let payloadTooLarge = EngineIOHTTPResponse(status: 413, contentType: nil, body: "")
}
