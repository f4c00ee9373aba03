package import HTTPTypes
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

/// A request answered on its connection's event loop: the command for its partition, and how the reply becomes
/// the answer (the same mapping as the router's handler for that route).
package struct EventLoopRead: Sendable {
    /// The product the command belongs to.
    package var product: ProductCode
    /// The partition key.
    package var key: String
    /// The encoded command.
    package var body: [UInt8]
    /// The answer for the fleet's reply body or the reason there is none.
    package var answer: @Sendable (Result<[UInt8], FleetRequestError>) -> JSONAnswer

    /// A read of `key`'s partition.
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

/// Picks the requests of a port that are answered on the event loop: the read routes' plain requests (GET,
/// HTTP/1.1 kept alive, no body, no query, no percent-encoding, valid parameters). Returns nil for everything else,
/// which the router serves as before, its refusals and error bodies included.
package typealias EventLoopReadRoute = @Sendable (HTTPRequestHead) -> EventLoopRead?

extension HTTPRequestHead {
    /// The path's segments after the leading `/` when the request can take the event-loop path at all: a GET over
    /// HTTP/1.1 kept alive, announcing no body, whose target is a plain absolute path (no query, no `%`, no empty
    /// segment). nil otherwise.
    package var plainReadSegments: [Substring]? {
        guard method == .GET, version == .http1_1, isKeepAlive, uri.utf8.first == UInt8(ascii: "/"),
            !uri.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "#") }
            ),
            !headers.contains(name: "content-length") || headers["content-length"].allSatisfy({ $0 == "0" }),
            !headers.contains(name: "transfer-encoding")
        else { return nil }
        let segments = uri.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !segments.contains(where: \.isEmpty) else { return nil }
        return segments.map { Substring($0) }
    }
}
