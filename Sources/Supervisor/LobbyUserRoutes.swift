import Foundation
import Hummingbird
import JSON
import Lobby
import Wire

/// `PUT /lobby/users/{name}` (docs/operations.md, "Lobby users"): sets a lobby user's password hash and type in the
/// lobby's partition, wherever its owner runs, by relaying the lobby's set-user command through a serving gateway
/// (docs/protocol.md §5.7). `switchyard lobby-user` calls it; the password is hashed by the caller, so it never
/// reaches the supervisor.
struct LobbyUserRoutes: Sendable {
    let controller: FleetController
    /// How long a change may take: a gateway's own request timeout, and then some.
    static let timeout: Duration = .seconds(10)
    /// Largest request body accepted (a stored hash is about 110 bytes).
    static let maxBodyBytes = 4096

    func register(on router: Router<BasicRequestContext>) {
        router.put("/lobby/users/:name") { request, context in
            // The segment as sent (percent-encoded: a lobby name may hold any character).
            guard let name = context.parameters.get("name")?.removingPercentEncoding else {
                return FleetRoutes.error(400, "the name is not valid percent-encoded UTF-8")
            }
            guard !name.isEmpty, name.utf8.count <= LobbyLimits.default.maxCredentialBytes else {
                return FleetRoutes.error(400, "the name must be 1…\(LobbyLimits.default.maxCredentialBytes) bytes")
            }
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            guard case .object(let object)? = try? JSONParser.parse(Array(buffer: body)),
                case .string(let stored)? = object["passwordHash"], let hash = try? LobbyPassword(stored: stored)
            else {
                return FleetRoutes.error(
                    400, "the body must be {\"passwordHash\": \"pbkdf2-sha256$…\", \"type\": \"admin\" or \"user\"}")
            }
            let type: LobbyUserType
            switch object["type"] {
            case nil: type = .user
            case .string(let text)?:
                guard let known = LobbyUserType(rawValue: text) else {
                    return FleetRoutes.error(400, "type must be admin or user")
                }
                type = known
            default: return FleetRoutes.error(400, "type must be admin or user")
            }
            guard let control = controller.control else { return FleetRoutes.error(503, "the fleet is not running") }
            let partition = Partitioner.partition(of: LobbyCommand.partitionKey, count: controller.spec.partitionCount)
            let command = LobbyCommand.setUser(username: name, passwordHash: hash, type: type)
            switch await control.relay(
                product: .lobby, partition: partition, body: command.encoded(), timeout: Self.timeout)
            {
            case .answered(let reply):
                switch try? LobbyReply(decoding: reply) {
                case .userSet?:
                    return FleetRoutes.json(200, [("username", .string(name)), ("type", .string(type.rawValue))])
                case .failed?: return FleetRoutes.error(400, "the lobby refused the name")
                default: return FleetRoutes.error(502, "the lobby's owner answered something else")
                }
            case .failed(let status):
                return FleetRoutes.error(503, "the fleet could not apply it (\(status)); try again")
            case .noGateway: return FleetRoutes.error(503, "no gateway serves now; try again once the fleet is healthy")
            case .timedOut: return FleetRoutes.error(504, "no answer from the fleet within \(Self.timeout)")
            }
        }
    }
}
