import Foundation
import Hummingbird
import JSON
import Wire

/// The fleet-change API next to `/health` (docs/operations.md, "Scaling"): `POST /workers` adds a worker,
/// `DELETE /workers/{id}` removes one, `POST /fleet/roll` replaces every process with one of another executable.
/// All answer 202 at once; `/health` shows the moves and the roll as they happen.
struct FleetRoutes: Sendable {
    let controller: FleetController

    /// How long a replaced gateway serves before the next one goes, unless the request says: longer than the
    /// `fail_timeout` (5 s) of deploy/nginx, so that nginx has taken one back before the next leaves.
    static let defaultGatewayPauseMs = 6_000

    /// Largest request body accepted (`{"id": "w7"}`).
    static let maxBodyBytes = 4096

    func register(on router: Router<BasicRequestContext>) {
        router.post("/workers") { request, context in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            var id: String?
            var host: String?
            if body.readableBytes > 0 {
                guard case .object(let object)? = try? JSONParser.parse(Array(buffer: body)) else {
                    return Self.error(400, "the body must be a JSON object such as {\"id\": \"w3\"}, or empty")
                }
                switch object["id"] {
                case nil, .null?: id = nil
                case .string(let value)?: id = value
                default: return Self.error(400, "id must be a string")
                }
                switch object["host"] {
                case nil, .null?: host = nil
                case .string(let value)? where !value.isEmpty: host = value
                default: return Self.error(400, "host must be a non-empty string")
                }
            }
            let add = { () throws(ProcessRegistry.ChangeError) in try controller.addWorker(id: id, host: host) }
            switch Result(catching: add) {
            case .success(let (added, launched)):
                return Self.json(
                    202,
                    [("id", .string(added)), ("status", .string(launched ? "starting" : "waiting for it to connect"))])
            case .failure(let error): return Self.error(Self.status(of: error), error.description)
            }
        }
        router.post("/fleet/roll") { request, _ in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            guard case .object(let object)? = try? JSONParser.parse(Array(buffer: body)),
                case .string(let binary)? = object["binary"], !binary.isEmpty
            else {
                return Self.error(400, "the body must be {\"binary\": \"/path/to/switchyard\"} (and \"only\": …)")
            }
            let role: ProcessRole?
            switch object["only"] {
            case nil, .null?: role = nil
            case .string("workers")?: role = .worker
            case .string("gateways")?: role = .gateway
            default: return Self.error(400, "only must be \"workers\" or \"gateways\"")
            }
            let pauseMs: Int
            switch object["gatewayPauseMs"] {
            case nil, .null?: pauseMs = Self.defaultGatewayPauseMs
            case .number(let value)? where value >= 0 && value <= 600_000 && value == value.rounded():
                pauseMs = Int(value)
            default: return Self.error(400, "gatewayPauseMs must be a whole number of milliseconds, 0…600000")
            }
            // Checked here, on the supervisor's host, where the processes it rolls are started.
            guard binary.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: binary) else {
                return Self.error(400, "\(binary) is not an executable file (give an absolute path)")
            }
            switch Result(catching: { () throws(ProcessRegistry.ChangeError) in
                try controller.startRoll(executable: binary, only: role, gatewayPause: .milliseconds(pauseMs))
            }) {
            case .success(let roll):
                return Self.json(
                    202,
                    [
                        ("binary", .string(binary)), ("status", .string("rolling")),
                        ("processes", .array(roll.pending.map { .string($0) })),
                    ])
            case .failure(let error): return Self.error(Self.status(of: error), error.description)
            }
        }
        router.delete("/workers/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            switch Result(catching: { () throws(ProcessRegistry.ChangeError) in try controller.removeWorker(id: id) }) {
            case .success: return Self.json(202, [("id", .string(id)), ("status", .string("leaving"))])
            case .failure(let error): return Self.error(Self.status(of: error), error.description)
            }
        }
    }

    /// The HTTP status of a refused change: the directory says what went wrong, the API how to say it.
    static func status(of error: ProcessRegistry.ChangeError) -> Int {
        switch error.reason {
        case .invalidID: 400
        case .unknownWorker: 404
        case .exists, .lastWorker: 409
        case .notRunning: 503
        }
    }

    /// A JSON object response.
    static func json(_ status: Int, _ fields: [(String, JSONValue)]) -> Response {
        let object = JSONObject(fields)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONValue.object(object).jsonBytes)))
    }

    /// `{"error": message}`.
    static func error(_ status: Int, _ message: String) -> Response {
        json(status, [("error", .string(message))])
    }
}
