import Base64Coding
import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import JSON
import Lobby
import Wire

/// The lobby's REST API under `/lobby_api` (contracts §4): HTTP Basic auth on every request; changes go to the
/// lobby's partition like WebSocket ones, so subscribers see them too.
struct LobbyRoutes: Sendable {
    let fleet: FleetClient
    let authenticator: LobbyAuthenticator
    let limits: LobbyLimits

    func register(on router: Router<BasicRequestContext>) {
        router.addAPIDocument(LobbyOpenAPIDocument.yaml)
        let api = router.group("lobby_api")
        api.get("health") { request, _ in
            try await authorized(request, admin: false) { _ in .json(#"{"status":"ok"}"#) }
        }
        api.get("tables") { request, _ in
            try await authorized(request, admin: false) { _ in await list() }
        }
        api.post("tables") { request, _ in
            try await authorized(request, admin: true) { body in await add(body) }
        }
        api.put("tables/:id") { request, context in
            try await authorized(request, admin: true) { body in await update(context.parameters.get("id"), body) }
        }
        api.delete("tables/:id") { request, context in
            try await authorized(request, admin: true) { _ in await remove(context.parameters.get("id")) }
        }
    }

    /// 401 without valid credentials, 403 for a non-admin on a privileged call; then `body` with the request body.
    private func authorized(
        _ request: Request, admin: Bool, _ body: ([UInt8]) async -> Response
    ) async throws -> Response {
        guard let (username, password) = Self.credentials(request.headers[.authorization]),
            username.utf8.count <= limits.maxCredentialBytes, password.utf8.count <= limits.maxCredentialBytes
        else {
            // Longer credentials never match, as on the WebSocket (docs/products/lobby.md): no check is spent on them.
            return Self.unauthorized
        }
        let type: LobbyUserType?
        do {
            type = try await authenticator.authenticate(username: username, password: password)
        } catch .fleet(let error) {
            return Self.unavailable(error)
        } catch .busy {
            return Self.passwordChecksBusy
        }
        guard let type else { return Self.unauthorized }
        if admin, type != .admin { return .json(LobbyServerMessage.notAuthorized.jsonText, status: .forbidden) }
        var request = request
        let bytes = try await request.collectBody(upTo: limits.maxMessageBytes)
        return await body(Array(bytes.readableBytesView))
    }

    private func list() async -> Response {
        await send(.list) { reply in
            guard case .tables(_, let tables) = reply else { return nil }
            return .json(LobbyServerMessage.tableList(tables).jsonText)
        }
    }

    private func add(_ body: [UInt8]) async -> Response {
        let command: LobbyCommand
        do throws(LobbyMessageError) {
            let object = try Self.object(body)
            guard let afterValue = object["after_id"] else {
                throw LobbyMessageError(.missingField, "after_id is missing")
            }
            let afterID = try limits.id(from: afterValue, field: "after_id")
            guard case .object(let table)? = object["table"] else {
                throw LobbyMessageError(.missingField, "table must be an object")
            }
            command = .add(
                afterID: afterID, name: try limits.name(from: table["name"], field: "table.name"),
                participants: try limits.participants(from: table["participants"], field: "table.participants"))
        } catch {
            return Self.badRequest(error)
        }
        return await send(command) { reply in
            switch reply {
            case .changed(_, .tableAdded(_, let table)): .json(Self.text(table), status: .created)
            case .failed(.additionFailed(let afterID)):
                .json(ErrorJSON.body("no table with id \(afterID) to add after"), status: .notFound)
            case .failed(let failure): Self.failed(failure)
            default: nil
            }
        }
    }

    private func update(_ rawID: String?, _ body: [UInt8]) async -> Response {
        guard let id = rawID.flatMap({ Int64($0) }) else {
            return .json(ErrorJSON.body("id must be an integer"), status: .badRequest)
        }
        let command: LobbyCommand
        do throws(LobbyMessageError) {
            let object = try Self.object(body)
            command = .update(
                LobbyTable(
                    id: id, name: try limits.name(from: object["name"], field: "name"),
                    participants: try limits.participants(from: object["participants"], field: "participants")))
        } catch {
            return Self.badRequest(error)
        }
        return await send(command) { reply in
            switch reply {
            case .changed(_, .tableUpdated(let table)): .json(Self.text(table))
            case .failed(.updateFailed): .json(ErrorJSON.body("no table with id \(id)"), status: .notFound)
            case .failed(let failure): Self.failed(failure)
            default: nil
            }
        }
    }

    private func remove(_ rawID: String?) async -> Response {
        guard let id = rawID.flatMap({ Int64($0) }) else {
            return .json(ErrorJSON.body("id must be an integer"), status: .badRequest)
        }
        return await send(.remove(id: id)) { reply in
            switch reply {
            case .changed(_, .tableRemoved): Response(status: .noContent)
            case .failed(.removalFailed): .json(ErrorJSON.body("no table with id \(id)"), status: .notFound)
            case .failed(let failure): Self.failed(failure)
            default: nil
            }
        }
    }

    /// Sends `command` to the lobby's partition; `respond` maps the reply (nil: unexpected).
    private func send(_ command: LobbyCommand, respond: (LobbyReply) -> Response?) async -> Response {
        let idempotent: Bool
        if case .list = command { idempotent = true } else { idempotent = false }
        let result = await fleet.request(
            product: .lobby, key: LobbyHub.key, body: command.encoded(), idempotent: idempotent)
        switch result {
        case .success(let body):
            guard let reply = try? LobbyReply(decoding: body), let response = respond(reply) else {
                return .json(JSONAnswer.unexpectedReply)
            }
            return response
        case .failure(let error):
            return Self.unavailable(error)
        }
    }

    private static func object(_ body: [UInt8]) throws(LobbyMessageError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw LobbyMessageError(.invalidJSON, "body is not valid JSON: \(error.reason)")
        }
        guard case .object(let object) = value else {
            throw LobbyMessageError(.notAnObject, "body must be a JSON object")
        }
        return object
    }

    /// `user:password` from `Authorization: Basic …`.
    static func credentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let bytes = Base64.decodeCanonical(encoded.utf8), let text = String(validating: bytes, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private static func text(_ table: LobbyTable) -> String { String(decoding: table.jsonBytes, as: UTF8.self) }

    private static var unauthorized: Response {
        Response(
            status: .unauthorized,
            headers: [
                .wwwAuthenticate: #"Basic realm="lobby_api", charset="UTF-8""#, .contentType: "application/json",
            ],
            body: .init(byteBuffer: ByteBuffer(string: ErrorJSON.body("authentication required"))))
    }

    private static func badRequest(_ error: LobbyMessageError) -> Response {
        .json(ErrorJSON.body(error.reason), status: .badRequest)
    }

    private static func failed(_ failure: LobbyFailure) -> Response {
        if case .invalid(let reason) = failure { return .json(ErrorJSON.body(reason), status: .badRequest) }
        return .json(ErrorJSON.body("\(failure)"), status: .notFound)
    }

    private static var passwordChecksBusy: Response {
        var response = Response.json(
            ErrorJSON.body("Service unavailable: too many logins being checked; try again later"),
            status: .serviceUnavailable)
        response.headers[.retryAfter] = "1"
        return response
    }

    private static func unavailable(_ error: FleetRequestError) -> Response {
        .json(JSONAnswer.noReply(error))
    }
}
