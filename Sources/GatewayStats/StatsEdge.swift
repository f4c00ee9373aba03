package import GatewayCore
package import ServiceLifecycle
package import Stats

/// Learning stats' edge (contracts §2): REST and its OpenAPI document on one port.
package enum StatsEdge {
    /// Its listener on `port`.
    package static func services(port: Int, limits: StatsLimits, _ context: EdgeListeners.Context) -> [any Service] {
        let router = EdgeListeners.router(context, product: .stats)
        let validator = StatsValidator(limits: limits)
        StatsRoutes(fleet: context.fleet, validator: validator, openAPIDocument: StatsOpenAPIDocument.yaml)
            .register(on: router)
        return [
            EdgeListeners.http(
                router, port: port, product: .stats, purpose: "learning stats",
                onEventLoop: StatsRoutes.eventLoopRequests(validator: validator),
                context)
        ]
    }
}
