import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The echo server: Hummingbird 2 with the WebSocket upgrade configured as the gateway's, doing the gateway's
/// per-frame parse but answering at once instead of asking the fleet. Its figures are the ceiling the fleet's
/// step tracker is compared with.
func buildEchoApplication(host: String, port: Int, maxFrameSize: Int, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    let stepsBody = ByteBuffer(string: #"{"cumulativeSteps":183,"ts":1503031279439}"#)
    router.get("/users/:username/steps") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: stepsBody))
    }
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            configuration: .init(ws: .init(maxFrameSize: maxFrameSize, autoPing: .disabled))
        ) { request, _, _ in
            let acks = EchoReplies.wantsAcks(request.path)
            return .upgrade([:]) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: maxFrameSize) {
                    guard case .text(let text) = message else { continue }
                    let reply = EchoReplies.reply(to: text)
                    if acks { try await outbound.write(.text(reply)) }
                }
            }
        },
        configuration: .init(address: .hostname(host, port: port), serverName: "switchyard-bench"),
        onServerRunning: { channel in
            print("switchyard-bench echo listening on \(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")")
        },
        logger: logger)
}
