import Hummingbird
import JSON
import Logging
import NIOCore

/// The learning-stats ceiling: Hummingbird 2 configured as the gateway's stats listener (same `Application`,
/// `Router`, server name and routes), doing the gateway's per-request body work (collect up to 64 KiB, parse with
/// the project's JSON parser) but answering constant bodies at once instead of asking the fleet. Its figures are
/// the ceiling the fleet's learning stats are compared with.
func buildStatsCeilingApplication(host: String, port: Int, maxBodyBytes: Int, logger: Logger)
    -> some ApplicationProtocol
{
    let router = Router()
    // Bodies in the shapes of contracts §2, so the responses are as long as the fleet's.
    let sessionBody = ByteBuffer(
        string: #"{"sessionId":"6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f","totalModulesStudied":12,"#
            + #""averageScore":87.5,"timeStudied":1800000}"#)
    let courseBody = ByteBuffer(string: #"{"totalModulesStudied":36,"averageScore":82.25,"timeStudied":5400000}"#)
    let notAnObject = ByteBuffer(string: #"{"error":"body must be a JSON object"}"#)
    // The gateway's `Response.json` content type, so the headers are as long as the fleet's.
    let headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    router.post("/courses/:courseId") { request, _ -> Response in
        // Over the limit, `collect` throws Hummingbird's 413; the load never sends such a body.
        let body = try await request.body.collect(upTo: maxBodyBytes)
        // A body that is not a JSON object gets 400, so a broken load script shows up as non-2xx answers.
        guard case .object? = try? JSONParser.parse(body.readableBytesView) else {
            return Response(status: .badRequest, headers: headers, body: .init(byteBuffer: notAnObject))
        }
        return Response(status: .created, headers: headers, body: .init(byteBuffer: sessionBody))
    }
    router.get("/courses/:courseId") { _, _ -> Response in
        Response(status: .ok, headers: headers, body: .init(byteBuffer: courseBody))
    }
    router.get("/courses/:courseId/sessions/:sessionId") { _, _ -> Response in
        Response(status: .ok, headers: headers, body: .init(byteBuffer: sessionBody))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "switchyard"),
        onServerRunning: { channel in
            print(
                "switchyard-bench stats-ceiling listening on \(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")"
            )
        },
        logger: logger)
}
