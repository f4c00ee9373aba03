import GatewayCore
import Lobby
import Logging
import ServiceLifecycle
import Wire

/// Checks, on start and then every `interval`, whether the lobby's first-start accounts (`admin`/`admin`,
/// `user`/`user`) still accept their default passwords. They stay the default on purpose (the product's contract
/// requires `admin`/`admin` to log in), so the gateway only warns: a log line when the answer changes, and a flag in
/// its heartbeat that `/health` turns into a warning naming them. Each check costs two password derivations on the
/// gateway's `PasswordVerifier`.
final class DefaultPasswordWatch: Service, Sendable {
    private let fleet: FleetClient
    private let verifier: PasswordVerifier
    private let interval: Duration
    private let logger: Logger

    init(fleet: FleetClient, verifier: PasswordVerifier, interval: Duration = .seconds(60), logger: Logger) {
        self.fleet = fleet
        self.verifier = verifier
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var last: UInt64?
            while !Task.isCancelled {
                if let mask = await self.check() {
                    self.fleet.counters.set(.defaultPasswordAccounts, to: mask)
                    if mask != last, mask != 0 {
                        self.logger.warning(
                            "lobby accounts still accept their first-start passwords; change them with `switchyard lobby-user`",
                            metadata: [
                                "accounts": "\(EdgeCounter.firstStartAccounts(in: mask).joined(separator: ", "))"
                            ])
                    }
                    last = mask
                }
                // Until the first answer (the fleet still starting), ask again soon.
                try await Task.sleep(for: last == nil ? .milliseconds(500) : self.interval)
            }
        }
    }

    /// One bit per first-start account (in `LobbyUsers.defaultCredentials` order) that still accepts its default
    /// password; nil when the fleet did not answer or the checks were all taken.
    private func check() async -> UInt64? {
        var mask: UInt64 = 0
        for (index, account) in LobbyUsers.defaultCredentials.enumerated() {
            let result = await fleet.request(
                product: .lobby, key: LobbyHub.key,
                body: LobbyCommand.credentials(username: account.username).encoded(), idempotent: true)
            guard case .success(let body) = result, case .credentials(let user)? = try? LobbyReply(decoding: body)
            else { return nil }
            guard let user else { continue }
            switch await verifier.verify(account.password, against: user) {
            case .accepted: mask |= 1 << UInt64(index)
            case .rejected: break
            case .busy: return nil
            }
        }
        return mask
    }
}
