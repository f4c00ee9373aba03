package import GatewayCore
package import Lobby
package import ServiceLifecycle

/// The lobby's edge (contracts §4): its WebSocket at `/lobby_api` and REST under it on one port, the hub that
/// mirrors the table list and fans changes out, and the check for first-start passwords still in use.
package enum LobbyEdge {
    /// The lobby's settings.
    package struct Configuration: Sendable {
        package var port: Int
        package var limits: LobbyLimits
        /// Messages and bytes one subscriber may have waiting before it is closed with 1008.
        package var maxQueuedMessages: Int
        package var maxQueuedBytes: Int
        /// How long a subscription waits for the hub's first list.
        package var listTimeout: Duration

        /// The settings.
        package init(
            port: Int, limits: LobbyLimits = .default, maxQueuedMessages: Int, maxQueuedBytes: Int,
            listTimeout: Duration
        ) {
            self.port = port
            self.limits = limits
            self.maxQueuedMessages = maxQueuedMessages
            self.maxQueuedBytes = maxQueuedBytes
            self.listTimeout = listTimeout
        }
    }

    /// The hub and the password watch (`background`) and the listener.
    package static func services(
        _ configuration: Configuration, _ context: EdgeListeners.Context
    ) -> (background: [any Service], listeners: [any Service]) {
        let edge = context.policy.limits
        let hub = LobbyHub(
            fleet: context.fleet, maxQueuedMessages: configuration.maxQueuedMessages,
            maxQueuedBytes: configuration.maxQueuedBytes, policy: context.policy, logger: context.logger)
        let verifier = PasswordVerifier(maxQueued: edge.maxQueuedPasswordChecks)
        let watch = DefaultPasswordWatch(
            fleet: context.fleet, verifier: verifier, interval: edge.defaultPasswordCheckInterval,
            logger: context.logger)
        let authenticator = LobbyAuthenticator(
            fleet: context.fleet, verifier: verifier,
            throttle: LoginThrottle(maxFailures: edge.maxFailedLogins, lockout: edge.loginLockout))
        let router = EdgeListeners.router(context, product: .lobby)
        LobbyRoutes(fleet: context.fleet, authenticator: authenticator, limits: configuration.limits)
            .register(on: router)
        let settings = LobbyWebSocketChannelHandler.Settings(
            fleet: context.fleet, hub: hub, authenticator: authenticator, limits: configuration.limits,
            listTimeout: configuration.listTimeout, drain: context.drain,
            maxFailedLogins: edge.maxFailedLoginsPerConnection, messagesPerSecond: edge.maxMessagesPerSecond,
            logger: context.logger)
        let listener = EdgeListeners.webSocket(
            router, port: configuration.port, product: .lobby, purpose: "the lobby",
            maxFrameSize: configuration.limits.maxMessageBytes,
            context
        ) { head, _ in
            let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
            guard path == "/lobby_api" || path == "/lobby_api/" else { return nil }
            return { _ in LobbyWebSocketChannelHandler(settings: settings) }
        }
        return ([hub, watch], [listener])
    }
}
