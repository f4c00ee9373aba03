package import Hummingbird

/// Answers new requests `503 {"error": …}` with `Retry-After: 1` while the gateway sheds load (docs/operations.md,
/// "Shedding"), before any of them costs a trip to the fleet. Requests that continue a Socket.IO session go
/// through (`ShedRules.continuesSession`).
package struct ShedMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: EdgePolicy

    /// A middleware that sheds while `policy` says the gateway is overloaded.
    package init(policy: EdgePolicy) { self.policy = policy }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard policy.isOverloaded, !ShedRules.continuesSession(request.uri.description) else {
            return try await next(request, context)
        }
        policy.countShed()
        var response = Response.json(
            ErrorJSON.body("server overloaded; try again later"), status: .serviceUnavailable)
        response.headers[.retryAfter] = "1"
        return response
    }
}

/// What shedding spares.
package enum ShedRules {
    /// Whether a request path (with its query) continues a Socket.IO session (it carries the session's `sid`)
    /// rather than opening one: the session is an existing client, and refusing its polls or its upgrade would only
    /// make it reconnect, which is new work.
    package static func continuesSession(_ pathAndQuery: String) -> Bool {
        guard pathAndQuery.hasPrefix("/socket.io"), let query = pathAndQuery.split(separator: "?").dropFirst().first
        else { return false }
        return query.split(separator: "&").contains { $0.hasPrefix("sid=") && $0.count > 4 }
    }
}
