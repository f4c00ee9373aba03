import GatewayCore
import Hummingbird
import JSON
import Presence
import Wire

/// The presence REST API on :3456 (contracts §3). Lists and counts come from the gateway's `PresenceHub`; pings
/// and clears go to the partitions.
struct PresenceRoutes: Sendable {
    let fleet: FleetClient
    let hub: PresenceHub
    let settings: PresenceSettings
    /// Longest ping body accepted.
    let maxBodyBytes: Int
    /// How long a list or count waits for the hub to have every partition before answering 503.
    let syncTimeout: Duration

    func register(on router: Router<BasicRequestContext>) {
        router.addAPIDocument(PresenceOpenAPIDocument.yaml)
        router.post("/users/ping") { request, _ in try await self.ping(request) }
        router.get("/users/list/:status") { request, context in await self.list(request, context: context) }
        router.get("/users/count") { request, _ in await self.count(request) }
        router.get("/database/clear") { request, _ in await self.clear(request) }
        router.get("/health") { request, _ in
            guard self.hasKey(request, settings.accessKey) else { return Self.denied }
            return .json(PresenceJSON.data("healthy"))
        }
    }

    private static var denied: Response { .json(ErrorJSON.body("access-denied"), status: .forbidden) }

    private func hasKey(_ request: Request, _ key: String) -> Bool {
        request.uri.queryParameters["key"].map { String($0) == key } ?? false
    }

    private func ping(_ request: Request) async throws -> Response {
        guard hasKey(request, settings.accessKey) else { return Self.denied }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return .json(ErrorJSON.body("body is larger than \(maxBodyBytes) bytes"), status: .contentTooLarge)
        }
        guard case .object(let object)? = try? JSONParser.parse(body.readableBytesView) else {
            return .json(ErrorJSON.body("invalid-body"), status: .badRequest)
        }
        guard let user = object["id"].flatMap({ PresenceUserID(json: $0) }) else {
            return .json(ErrorJSON.body("invalid-user-id"), status: .badRequest)
        }
        guard case .string(let text) = object["status"], let status = PresenceStatus(clientValue: text) else {
            return .json(ErrorJSON.body("invalid-user-status"), status: .badRequest)
        }
        let result = await fleet.request(
            product: .presence, key: user.text, body: PresenceCommand.ping(user: user, status: status).encoded(),
            idempotent: true)
        switch result {
        case .success(let reply):
            guard case .pinged? = try? PresenceReply(decoding: reply) else { return Self.unexpected }
            // The ping's change reached the hub before its reply (the worker publishes it first); if it revealed a
            // gap, the partition's snapshot (which includes the ping) is awaited.
            guard await waitForSync() else { return Self.unavailable(nil) }
            return .json(PresenceJSON.counts(hub.counts))
        case .failure(let error):
            return Self.unavailable(error)
        }
    }

    private func list(_ request: Request, context: BasicRequestContext) async -> Response {
        guard hasKey(request, settings.accessKey) else { return Self.denied }
        let name = context.parameters.get("status") ?? ""
        let filter: PresenceStatus?
        if name == "all" {
            filter = nil
        } else if let status = PresenceStatus(rawValue: name) {
            filter = status
        } else {
            return .json(ErrorJSON.body("invalid-user-status"), status: .badRequest)
        }
        guard await waitForSync() else { return Self.unavailable(nil) }
        return .json(PresenceJSON.list(hub.list(filter)))
    }

    private func count(_ request: Request) async -> Response {
        guard hasKey(request, settings.accessKey) else { return Self.denied }
        guard await waitForSync() else { return Self.unavailable(nil) }
        return .json(PresenceJSON.counts(hub.counts))
    }

    /// Clears every partition: one command each, all answered before the reply.
    private func clear(_ request: Request) async -> Response {
        guard hasKey(request, settings.systemKey) else { return Self.denied }
        guard let count = fleet.partitionCount else { return Self.unavailable(nil) }
        let body = PresenceCommand.clear.encoded()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for p in 0..<UInt16(count) {
                group.addTask {
                    let result = await fleet.request(
                        product: .presence, key: "", partition: p, body: body, idempotent: true)
                    guard case .success(let reply) = result, case .cleared? = try? PresenceReply(decoding: reply) else {
                        return false
                    }
                    return true
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 0 : 1) }
        }
        guard failures == 0 else {
            return .json(
                ErrorJSON.body("Service unavailable: \(failures) of \(count) partitions did not confirm the clear"),
                status: .serviceUnavailable)
        }
        return .json(PresenceJSON.data("success"))
    }

    /// Waits, up to `syncTimeout`, until the hub holds every partition.
    private func waitForSync() async -> Bool {
        let deadline = ContinuousClock.now + syncTimeout
        while !hub.isSynced {
            guard ContinuousClock.now < deadline else { return false }
            // Bounded by the deadline above; the hub syncs within one snapshot round trip once the fleet answers.
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    private static var unexpected: Response { .json(JSONAnswer.unexpectedReply) }

    private static func unavailable(_ error: FleetRequestError?) -> Response {
        .json(JSONAnswer.noReply(error ?? FleetRequestError(.timeout)))
    }
}
