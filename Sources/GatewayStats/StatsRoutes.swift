import GatewayCore
import HTTPTypes
import Hummingbird
import JSON
import NIOHTTP1
import Stats
import Wire

/// The learning-stats REST API on its own port (contracts §2): validate, send to the partition of `X-User-Id`,
/// answer from the worker's reply.
struct StatsRoutes: Sendable {
    /// The fleet (a fake one in tests).
    let fleet: any FleetRequester
    let validator: StatsValidator
    /// The OpenAPI document served at `/openapi.yaml`.
    let openAPIDocument: String

    private static let userHeader = HTTPField.Name("X-User-Id")!

    func register(on router: Router<BasicRequestContext>) {
        router.post("/courses/:courseId") { request, context in
            try await self.record(request, context: context)
        }
        router.get("/courses/:courseId") { request, context in
            await self.course(request, context: context)
        }
        router.get("/courses/:courseId/sessions/:sessionId") { request, context in
            await self.session(request, context: context)
        }
        router.addAPIDocument(openAPIDocument)
    }

    private func record(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let ids: (user: StatsID, course: StatsID)
        switch userAndCourse(request, context) {
        case .success(let found): ids = found
        case .failure(let error): return Self.refusal(error)
        }
        let body: ByteBuffer
        do {
            // One byte over the limit is enough to know the body is too large.
            body = try await request.body.collect(upTo: validator.limits.maxBodyBytes + 1)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return Self.refusal(
                StatsInputError(.tooLarge, "body is larger than \(validator.limits.maxBodyBytes) bytes"))
        }
        let session: StatsSession
        switch validator.session(from: body.readableBytesView) {
        case .success(let valid): session = valid
        case .failure(let error): return Self.refusal(error)
        }
        return await send(
            .record(user: ids.user, course: ids.course, session: session), respond: Self.recordAnswer)
    }

    /// The answer to a session record's reply; nil for a reply that does not answer it.
    static func recordAnswer(_ reply: StatsReply) -> JSONAnswer? {
        switch reply {
        case .recorded(let stored): JSONAnswer(StatsJSON.session(stored), status: .created)
        case .conflict: .error("Session already recorded", status: .conflict)
        default: nil
        }
    }

    private func course(_ request: Request, context: BasicRequestContext) async -> Response {
        let ids: (user: StatsID, course: StatsID)
        switch userAndCourse(request, context) {
        case .success(let found): ids = found
        case .failure(let error): return Self.refusal(error)
        }
        return await send(.course(user: ids.user, course: ids.course), respond: Self.courseAnswer)
    }

    private func session(_ request: Request, context: BasicRequestContext) async -> Response {
        let ids: (user: StatsID, course: StatsID)
        switch userAndCourse(request, context) {
        case .success(let found): ids = found
        case .failure(let error): return Self.refusal(error)
        }
        guard let sessionID = context.parameters.get("sessionId").flatMap({ StatsID($0) }) else {
            return Self.refusal(.pathID("sessionId"))
        }
        return await send(
            .session(user: ids.user, course: ids.course, session: sessionID), respond: Self.sessionAnswer)
    }

    /// The answer to a course read's reply; nil for a reply that does not answer it.
    static func courseAnswer(_ reply: StatsReply) -> JSONAnswer? {
        guard case .course(let stats) = reply else { return nil }
        guard let stats else { return .error("Course not found", status: .notFound) }
        return JSONAnswer(StatsJSON.course(stats))
    }

    /// The answer to a session read's reply; nil for a reply that does not answer it.
    static func sessionAnswer(_ reply: StatsReply) -> JSONAnswer? {
        guard case .session(let session) = reply else { return nil }
        guard let session else { return .error("Session not found", status: .notFound) }
        return JSONAnswer(StatsJSON.session(session))
    }

    /// The requests answered on the event loop (`EventLoopRequestHandler`): `GET /courses/{c}`,
    /// `GET /courses/{c}/sessions/{s}` and `POST /courses/{c}` (whose body is validated there, refusals included)
    /// with one valid `X-User-Id` and valid ids. Anything else, the header's and the path's refusals and a body over
    /// the limit included, is left to the router.
    static func eventLoopRequests(validator: StatsValidator) -> EventLoopRoute {
        { head in
            let segments: [Substring]
            let isPost: Bool
            if let read = head.plainReadSegments {
                guard read.count == 2 || (read.count == 4 && read[2] == "sessions") else { return nil }
                (segments, isPost) = (read, false)
            } else if let post = head.plainPostSegments(maxLength: validator.limits.maxBodyBytes), post.count == 2 {
                (segments, isPost) = (post, true)
            } else {
                return nil
            }
            // One header only: the router's view of two would be both values joined, which is no id.
            let users = head.headers["X-User-Id"]
            guard segments[0] == "courses", users.count == 1, let user = StatsID(users[0]),
                let course = StatsID(String(segments[1]))
            else { return nil }
            if isPost {
                return .body { body in
                    switch validator.session(from: body.readableBytesView) {
                    case .success(let session):
                        .command(command(.record(user: user, course: course, session: session), recordAnswer))
                    case .failure(let error):
                        .refused(refusal(error))
                    }
                }
            }
            if segments.count == 4 {
                guard let session = StatsID(String(segments[3])) else { return nil }
                return .command(command(.session(user: user, course: course, session: session), sessionAnswer))
            }
            return .command(command(.course(user: user, course: course), courseAnswer))
        }
    }

    private static func command(
        _ command: StatsCommand, _ respond: @escaping @Sendable (StatsReply) -> JSONAnswer?
    ) -> EventLoopCommand {
        EventLoopCommand(product: .stats, key: command.partitionKey, body: command.encoded()) {
            answer($0, respond: respond)
        }
    }

    /// The header is checked before the path (contracts §2 names the header's error first).
    private func userAndCourse(_ request: Request, _ context: BasicRequestContext)
        -> Result<(user: StatsID, course: StatsID), StatsInputError>
    {
        guard let user = request.headers[Self.userHeader].flatMap({ StatsID($0) }) else { return .failure(.userID) }
        guard let course = context.parameters.get("courseId").flatMap({ StatsID($0) }) else {
            return .failure(.pathID("courseId"))
        }
        return .success((user, course))
    }

    /// Sends `command` to its partition and turns the reply into a response; `respond` returns nil for a reply
    /// that does not answer this command.
    private func send(_ command: StatsCommand, respond: (StatsReply) -> JSONAnswer?) async -> Response {
        // Every stats command is idempotent (a record retried with the same body is answered, not re-applied), so
        // the fleet link may resend it after a lost worker.
        let result = await fleet.request(
            product: .stats, key: command.partitionKey, body: command.encoded(), idempotent: true)
        return .json(Self.answer(result, respond: respond))
    }

    /// The answer to a command's outcome: `respond`'s for a reply it understands, else a 502 or 503.
    static func answer(
        _ result: Result<[UInt8], FleetRequestError>, respond: (StatsReply) -> JSONAnswer?
    ) -> JSONAnswer {
        switch result {
        case .success(let body):
            guard let reply = try? StatsReply(decoding: body), let answer = respond(reply) else {
                return .unexpectedReply
            }
            return answer
        case .failure(let error):
            return .noReply(error)
        }
    }

    private static func refusal(_ error: StatsInputError) -> Response {
        .json(refusal(error))
    }

    /// The answer refusing a request for `error`.
    static func refusal(_ error: StatsInputError) -> JSONAnswer {
        .error(error.message, status: error.code == .tooLarge ? .contentTooLarge : .badRequest)
    }
}
