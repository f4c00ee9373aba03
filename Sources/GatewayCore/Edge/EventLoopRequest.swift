package import HTTPTypes
package import NIOCore
package import NIOHTTP1
package import Wire

/// A JSON answer to an HTTP request: status and body. The router's handlers and `EventLoopReadHandler` build their
/// responses from the same answers, so a request gets the same bytes whichever path served it.
package struct JSONAnswer: Sendable, Equatable {
    /// The response status.
    package var status: HTTPResponse.Status
    /// The JSON body.
    package var body: String

    /// An answer with `body` and `status`.
    package init(_ body: String, status: HTTPResponse.Status = .ok) {
        self.body = body
        self.status = status
    }

    /// `{"error": message}` with `status`.
    package static func error(_ message: String, status: HTTPResponse.Status) -> JSONAnswer {
        JSONAnswer(ErrorJSON.body(message), status: status)
    }

    /// The answer to a fleet request that got no reply (a timeout, a lost link, a gateway shutting down).
    package static func noReply(_ error: FleetRequestError) -> JSONAnswer {
        .error("Service unavailable: no reply from the fleet (\(error))", status: .serviceUnavailable)
    }

    /// The answer to a reply that does not answer the command sent.
    package static let unexpectedReply = JSONAnswer.error("Unexpected reply from the fleet", status: .badGateway)
}

/// The command a request answered on its connection's event loop sends to its partition, and how the reply becomes
/// the answer (the same mapping as the router's handler for that route). The fleet link may send it twice after a
/// lost worker, so it must be idempotent.
package struct EventLoopCommand: Sendable {
    /// The product the command belongs to.
    package var product: ProductCode
    /// The partition key.
    package var key: String
    /// The encoded command.
    package var body: [UInt8]
    /// The answer for the fleet's reply body or the reason there is none.
    package var answer: @Sendable (Result<[UInt8], FleetRequestError>) -> JSONAnswer

    /// A command for `key`'s partition.
    package init(
        product: ProductCode, key: String, body: [UInt8],
        answer: @escaping @Sendable (Result<[UInt8], FleetRequestError>) -> JSONAnswer
    ) {
        self.product = product
        self.key = key
        self.body = body
        self.answer = answer
    }
}

/// A request the event loop answers, as its head describes it.
package enum EventLoopRequest: Sendable {
    /// A request complete at its head (a read): its command.
    case command(EventLoopCommand)
    /// A request whose body (announced by `Content-Length`, within the route's limit) makes its command, as
    /// `command` says.
    case body(command: @Sendable (ByteBuffer) -> BodyOutcome)

    /// What a request's body makes.
    package enum BodyOutcome: Sendable {
        /// The command to send.
        case command(EventLoopCommand)
        /// The answer refusing the body, at once and without the fleet (the router's refusal, same bytes).
        case refused(JSONAnswer)
    }
}

/// Picks the requests of a port that are answered on the event loop: the routes' plain requests (HTTP/1.1 kept alive,
/// no query, no percent-encoding, valid parameters; a GET with no body, or a body announced by `Content-Length`
/// within the route's limit). Returns nil for everything else, which the router serves as before, its refusals and
/// error bodies included.
package typealias EventLoopRoute = @Sendable (HTTPRequestHead) -> EventLoopRequest?

extension HTTPRequestHead {
    /// The path's segments after the leading `/` when a GET can take the event-loop path at all: HTTP/1.1 kept
    /// alive, announcing no body, whose target is a plain absolute path (no query, no `%`, no empty segment). nil
    /// otherwise.
    package var plainReadSegments: [Substring]? {
        guard method == .GET,
            !headers.contains(name: "content-length") || headers["content-length"].allSatisfy({ $0 == "0" }),
            !headers.contains(name: "transfer-encoding")
        else { return nil }
        return plainSegments
    }

    /// The path's segments when a POST can take the event-loop path at all: HTTP/1.1 kept alive, a plain absolute
    /// path (as for `plainReadSegments`), one `Content-Length` of at most `maxLength`, no `Transfer-Encoding` and no
    /// `Expect`. nil otherwise (the router then answers, 413 included).
    package func plainPostSegments(maxLength: Int) -> [Substring]? {
        let lengths = headers["content-length"]
        guard method == .POST, lengths.count == 1, let length = Int(lengths[0]), (0...maxLength).contains(length),
            !headers.contains(name: "transfer-encoding"), !headers.contains(name: "expect"),
            let segments = plainSegments
        else { return nil }
        return segments
    }

    private var plainSegments: [Substring]? {
        guard version == .http1_1, isKeepAlive, uri.utf8.first == UInt8(ascii: "/"),
            !uri.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "#") }
            )
        else { return nil }
        let segments = uri.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !segments.contains(where: \.isEmpty) else { return nil }
        return segments.map { Substring($0) }
    }
}
