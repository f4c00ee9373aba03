import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the supervisor's API (`switchyard fleet …`): one request per connection, plain HTTP
/// on the operator's network, bodies of a few kilobytes.
package struct SupervisorClient: Sendable {
    /// A response: status and body.
    package struct Response: Sendable {
        /// HTTP status code.
        package var status: Int
        /// Body bytes.
        package var body: [UInt8]
        /// The body as text.
        package var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why a request failed before a response arrived.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        package var description: String
    }

    /// Largest response body read.
    static let maxBodyBytes = 16 << 20

    /// Host of the supervisor's HTTP listener.
    package var host: String
    /// Its port.
    package var port: Int
    /// Deadline of one request.
    package var timeout: Duration

    /// Creates a client for `url` (`http://host:port`).
    package init(url: String, timeout: Duration = .seconds(10)) throws {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host
        else { throw Failure(description: "\(url) is not an http://host:port URL") }
        self.host = host
        self.port = components.port ?? 80
        self.timeout = timeout
    }

    /// Sends `method path` with an optional JSON body and, if given, the control token as a bearer token.
    package func send(_ method: String, _ path: String, json: String? = nil, bearer: String? = nil) async throws
        -> Response
    {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(timeout / .seconds(1)) + 1))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
                    head.headers.add(name: "Host", value: "\(host):\(port)")
                    head.headers.add(name: "Connection", value: "close")
                    if let bearer { head.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
                    let body = json.map { ByteBuffer(string: $0) }
                    if let body {
                        head.headers.add(name: "Content-Type", value: "application/json")
                        head.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                    } else if method != "GET" {
                        head.headers.add(name: "Content-Length", value: "0")
                    }
                    try await outbound.write(.head(head))
                    if let body { try await outbound.write(.body(.byteBuffer(body))) }
                    try await outbound.write(.end(nil))
                    var status = 0
                    var bytes: [UInt8] = []
                    for try await part in inbound {
                        switch part {
                        case .head(let response): status = Int(response.status.code)
                        case .body(let buffer):
                            guard bytes.count + buffer.readableBytes <= Self.maxBodyBytes else {
                                throw Failure(description: "response larger than \(Self.maxBodyBytes) bytes")
                            }
                            bytes += buffer.readableBytesView
                        case .end: return Response(status: status, body: bytes)
                        }
                    }
                    throw Failure(description: "connection closed before the response ended")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                channel.channel.close(promise: nil)
                throw Failure(description: "no response within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
