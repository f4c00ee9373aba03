import Hummingbird

/// Requires the control token on the control API (`/workers…`, `/lobby/users/…`, `/fleet/roll`), and on `/health` and `/metrics` too when the fleet
/// is configured so (`--protect-health`); answers `401 {"error": …}` with `WWW-Authenticate: Bearer` otherwise.
struct ControlAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: ControlToken
    let protectHealth: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        let guarded =
            path == "/workers" || path.hasPrefix("/workers/") || path.hasPrefix("/lobby/") || path.hasPrefix("/fleet/")
            || (protectHealth && path != "/")
        guard guarded, !token.accepts(request.headers[.authorization]) else {
            return try await next(request, context)
        }
        let body =
            "{\"error\":\"this needs the fleet's control token: Authorization: Bearer <token> (the supervisor's "
            + "\(ControlToken.fileName) in its data folder, or \(ControlToken.environmentVariable))\"}"
        return Response(
            status: .unauthorized,
            headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer realm=\"switchyard\""],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
