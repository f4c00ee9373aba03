import Foundation
import GatewayCore
import Hummingbird
import Steps
import Wire

/// `GET /users/{username}/steps` (contracts §1).
struct StepsRoutes: Sendable {
    /// The fleet (a fake one in tests).
    let fleet: any FleetRequester
    let limits: StepsLimits

    func register(on router: Router<BasicRequestContext>) {
        router.addAPIDocument(StepsOpenAPIDocument.yaml)
        router.get("/users/:username/steps") { request, context in
            try await self.steps(request, context: context)
        }
    }

    private func steps(_ request: Request, context: BasicRequestContext) async throws -> Response {
        // Hummingbird hands the raw path segment over; `a%2Fb` names the user `a/b`.
        guard let raw = context.parameters.get("username"), let username = raw.removingPercentEncoding else {
            return .json(ErrorJSON.body("username is not valid percent-encoded UTF-8"), status: .badRequest)
        }
        guard !username.isEmpty, username.utf8.count <= limits.maxUsernameBytes else {
            return .json(ErrorJSON.body("User doesn't exist"), status: .notFound)
        }
        let result = await fleet.request(
            product: .steps, key: username, body: StepsCommand.get(username: username).encoded(), idempotent: true)
        return .json(Self.answer(result))
    }

    /// The answer to a user-total read's outcome.
    static func answer(_ result: Result<[UInt8], FleetRequestError>) -> JSONAnswer {
        switch result {
        case .success(let body):
            guard case .user(let user) = try? StepsReply(decoding: body) else { return .unexpectedReply }
            guard let user else { return .error("User doesn't exist", status: .notFound) }
            return JSONAnswer(StepsJSON.steps(user))
        case .failure(let error):
            return .noReply(error)
        }
    }

    /// The read answered on the event loop (`EventLoopRequestHandler`): `GET /users/{username}/steps` for a name
    /// without percent-encoding within the limit. Anything else is left to the router.
    static func eventLoopRequests(limits: StepsLimits) -> EventLoopRoute {
        { head in
            guard let segments = head.plainReadSegments, segments.count == 3, segments[0] == "users",
                segments[2] == "steps", segments[1].utf8.count <= limits.maxUsernameBytes
            else { return nil }
            let username = String(segments[1])
            return .command(
                EventLoopCommand(
                    product: .steps, key: username, body: StepsCommand.get(username: username).encoded(),
                    answer: answer))
        }
    }
}
