public import Hummingbird
import HummingbirdWebSocket
public import Logging
public import ServiceLifecycle
import Steps

/// Builds a gateway process's services in dependency order: the fleet link first (it stops last), then one
/// listener per product port.
public func buildGatewayServices(_ configuration: GatewayConfiguration, logger: Logger) -> [any Service] {
    let fleet = FleetClient(configuration: configuration.fleet, logger: logger)
    let host = configuration.listenHost

    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    StepsRoutes(fleet: fleet, limits: configuration.stepsLimits).register(on: router)
    let stepsHTTP = Application(
        router: router,
        configuration: .init(address: .hostname(host, port: configuration.stepsHTTPPort), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)

    let handler = StepsWebSocketHandler(
        fleet: fleet, validator: StepsValidator(limits: configuration.stepsLimits),
        maxMessageSize: configuration.maxFrameSize, maxInFlight: configuration.maxInFlightPerConnection,
        updateTimeout: .seconds(30))
    let wsRouter = Router()
    wsRouter.middlewares.add(JSONErrorMiddleware())
    let stepsWebSocket = Application(
        router: wsRouter,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                ws: .init(
                    maxFrameSize: configuration.maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)),
                    // RFC 6455 and the original server (Node's ws) close a text frame of invalid UTF-8 with 1007.
                    validateUTF8: true))
        ) { request, _, _ in
            // Any path upgrades (contracts §1); the original clients use `/`.
            let acks = StepsWebSocketHandler.wantsAcks(request)
            return .upgrade([:]) { inbound, outbound, context in
                try await handler.handle(inbound: inbound, outbound: outbound, acks: acks, logger: context.logger)
            }
        },
        configuration: .init(
            address: .hostname(host, port: configuration.stepsWebSocketPort), serverName: "switchyard"),
        onServerRunning: { _ in fleet.listenerBound() },
        logger: logger)
    return [fleet, stepsHTTP, stepsWebSocket]
}
