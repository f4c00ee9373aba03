import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Stats
import Steps
import Synchronization
import Testing
import Wire

@testable import GatewayCore
@testable import GatewayStats
@testable import GatewaySteps

/// A fleet that answers every command at once with what `answer` says, and records what it was asked.
final class ScriptedFleet: FleetRequester {
    typealias Answer = @Sendable (_ key: String, _ body: [UInt8]) -> Result<[UInt8], FleetRequestError>
    let counters = ProcessCounters()
    private let answer: Answer
    private let asked = Mutex<[(product: ProductCode, key: String, idempotent: Bool)]>([])

    init(_ answer: @escaping Answer) { self.answer = answer }

    func request(
        product: ProductCode, key: String, partition: UInt16?, body: [UInt8], idempotent: Bool, timeout: Duration?,
        completion: @escaping FleetClient.Completion
    ) {
        asked.withLock { $0.append((product, key, idempotent)) }
        completion(answer(key, body))
    }

    /// The keys of the commands sent, in order.
    var keys: [String] { asked.withLock { $0.map(\.key) } }
    var idempotent: [Bool] { asked.withLock { $0.map(\.idempotent) } }
}

/// Runs `test` against a router holding only `register`'s routes (behind the JSON error middleware).
private func withRoutes(
    _ register: (Router<BasicRequestContext>) -> Void, _ test: @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    register(router)
    try await Application(router: router).test(.router, test)
}

private func json(_ buffer: ByteBuffer) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
}

@Suite struct StepsRoutesTests {
    @Test func answersFromTheFleetsReplyForTheDecodedUsername() async throws {
        let fleet = ScriptedFleet { key, _ in
            .success(
                StepsReply.user(key == "a/b" ? UserSteps(cumulativeSteps: 12, ts: 3, appliedCount: 2) : nil).encoded())
        }
        try await withRoutes({ StepsRoutes(fleet: fleet, limits: .default).register(on: $0) }) { client in
            try await client.execute(uri: "/users/a%2Fb/steps", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"cumulativeSteps":12,"ts":3}"#)
            }
            try await client.execute(uri: "/users/nobody/steps", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(json(response.body)?["error"] as? String == "User doesn't exist")
            }
        }
        #expect(fleet.keys == ["a/b", "nobody"])
        #expect(fleet.idempotent == [true, true])
    }

    @Test func aNameNoUserCanHaveIsAnsweredWithoutAskingTheFleet() async throws {
        let fleet = ScriptedFleet { _, _ in .failure(FleetRequestError(.failed)) }
        let long = String(repeating: "u", count: StepsLimits.default.maxUsernameBytes + 1)
        try await withRoutes({ StepsRoutes(fleet: fleet, limits: .default).register(on: $0) }) { client in
            try await client.execute(uri: "/users/\(long)/steps", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/users/%ZZ/steps", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(fleet.keys.isEmpty)
    }

    @Test func noReplyIs503AndAnUnexpectedOneIs502WithJSONBodies() async throws {
        let fleet = ScriptedFleet { key, _ in
            key == "late"
                ? .failure(FleetRequestError(.timeout)) : .success(StepsReply.updated(duplicate: false).encoded())
        }
        try await withRoutes({ StepsRoutes(fleet: fleet, limits: .default).register(on: $0) }) { client in
            try await client.execute(uri: "/users/late/steps", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect((json(response.body)?["error"] as? String)?.contains("no reply from the fleet") == true)
            }
            try await client.execute(uri: "/users/odd/steps", method: .get) { response in
                #expect(response.status == .badGateway)
                #expect(json(response.body)?["error"] as? String == "Unexpected reply from the fleet")
            }
        }
    }
}

@Suite struct StatsRoutesTests {
    static let user = "0b9a1e2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
    static let course = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    static let session = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"

    private static func routes(_ fleet: ScriptedFleet) -> (Router<BasicRequestContext>) -> Void {
        { StatsRoutes(fleet: fleet, validator: StatsValidator(limits: .default), openAPIDocument: "").register(on: $0) }
    }

    @Test func aSessionIsRecordedOnTheUsersPartitionAndAnsweredWith201() async throws {
        let fleet = ScriptedFleet { _, body in
            guard case .record(_, _, let session)? = try? StatsCommand(decoding: body) else {
                return .failure(FleetRequestError(.malformed))
            }
            return .success(StatsReply.recorded(session).encoded())
        }
        try await withRoutes(Self.routes(fleet)) { client in
            let body = #"{"sessionId":"\#(Self.session)","totalModulesStudied":3,"averageScore":50,"timeStudied":60}"#
            try await client.execute(
                uri: "/courses/\(Self.course)", method: .post, headers: [HTTPField.Name("X-User-Id")!: Self.user],
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .created)
                let answer = json(response.body)
                #expect(answer?["sessionId"] as? String == Self.session)
                #expect(answer?["totalModulesStudied"] as? Int == 3)
            }
        }
        #expect(fleet.keys.count == 1)
        // Idempotent by its session id: after a lost worker the fleet link may send it again.
        #expect(fleet.idempotent == [true])
    }

    @Test func badInputIsRefusedBeforeTheFleetIsAsked() async throws {
        let fleet = ScriptedFleet { _, _ in .failure(FleetRequestError(.failed)) }
        try await withRoutes(Self.routes(fleet)) { client in
            // No X-User-Id: the header's error comes first, even with a bad course id.
            try await client.execute(uri: "/courses/not-a-uuid", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(json(response.body)?["error"] as? String == "X-User-Id header must be a UUID")
            }
            try await client.execute(
                uri: "/courses/\(Self.course)", method: .post, headers: [HTTPField.Name("X-User-Id")!: Self.user],
                body: ByteBuffer(string: #"{"sessionId":"\#(Self.session)","totalModulesStudied":-1}"#)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/courses/\(Self.course)", method: .post, headers: [HTTPField.Name("X-User-Id")!: Self.user],
                body: ByteBuffer(repeating: UInt8(ascii: " "), count: StatsLimits.default.maxBodyBytes + 1)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(fleet.keys.isEmpty)
    }

    @Test func aCourseWithNoSessionIs404() async throws {
        let fleet = ScriptedFleet { _, _ in .success(StatsReply.course(nil).encoded()) }
        try await withRoutes(Self.routes(fleet)) { client in
            try await client.execute(
                uri: "/courses/\(Self.course)", method: .get, headers: [HTTPField.Name("X-User-Id")!: Self.user]
            ) { response in
                #expect(response.status == .notFound)
                #expect(json(response.body)?["error"] as? String == "Course not found")
            }
        }
    }
}
