package import Hummingbird

/// Turns every HTTP error (unknown route, wrong method, a body too large, …) into a JSON body `{"error": "…"}`.
package struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The middleware.
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message = error.body ?? error.status.reasonPhrase
            return Response.json(ErrorJSON.body(message), status: error.status)
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors (a body over `collectBody(upTo:)`'s limit: 413) carry no JSON body.
            let message =
                error.status == .contentTooLarge ? "request body too large" : error.status.reasonPhrase
            return Response.json(ErrorJSON.body(message), status: error.status)
        }
    }
}

extension Response {
    /// A response with a JSON body.
    package static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The response of an answer.
    package static func json(_ answer: JSONAnswer) -> Response {
        json(answer.body, status: answer.status)
    }
}
