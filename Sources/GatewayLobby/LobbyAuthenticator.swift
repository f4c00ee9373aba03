import Crypto
import GatewayCore
import Lobby
import Synchronization

/// Checks lobby credentials: it fetches the user's stored hash from the lobby's partition and runs the PBKDF2 check
/// on the gateway's `PasswordVerifier`, remembering successful checks for `cacheLifetime` (HTTP Basic auth sends
/// credentials with every REST request). A name with too many failures in a row is locked for a while
/// (`LoginThrottle`): its logins are refused unchecked and counted.
///
/// The cache is keyed by a SHA-256 of a per-process random key, the username and the password, never by the
/// password itself; only successes are kept, so a wrong password is always checked (or throttled). A password
/// changed with `switchyard lobby-user` stops working on a gateway at most `cacheLifetime` later.
final class LobbyAuthenticator: Sendable {
    private struct Entry: Sendable {
        var type: LobbyUserType
        var until: ContinuousClock.Instant
    }

    /// Why a login could not be checked.
    enum Failure: Error, Equatable {
        /// The fleet did not answer.
        case fleet(FleetRequestError)
        /// The gateway's password checks are all taken.
        case busy
    }

    private let fleet: FleetClient
    private let verifier: PasswordVerifier
    private let throttle: Mutex<LoginThrottle>
    private let cacheLifetime: Duration
    private let secret: [UInt8] = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
    private let cache = Mutex<[[UInt8]: Entry]>([:])
    /// Entries kept at most; the oldest half is dropped beyond it.
    private let maxEntries = 10_000

    init(
        fleet: FleetClient, verifier: PasswordVerifier, throttle: LoginThrottle,
        cacheLifetime: Duration = .seconds(30)
    ) {
        self.fleet = fleet
        self.verifier = verifier
        self.throttle = Mutex(throttle)
        self.cacheLifetime = cacheLifetime
    }

    /// The user's type if the credentials are right; nil if wrong, or if the name is locked after too many
    /// failures; throws if the fleet did not answer or the checks are all taken.
    func authenticate(username: String, password: String) async throws(Failure) -> LobbyUserType? {
        var hasher = SHA256()
        hasher.update(data: secret)
        hasher.update(data: Array(username.utf8) + [0] + Array(password.utf8))
        let key = Array(hasher.finalize())
        let now = ContinuousClock.now
        if let hit = cached(key, at: now) { return hit }
        let tick = monotonicNanoseconds()
        guard throttle.withLock({ $0.allows(username, at: tick) }) else {
            fleet.counters.add(.loginThrottled)
            return nil
        }
        let result = await fleet.request(
            product: .lobby, key: LobbyHub.key, body: LobbyCommand.credentials(username: username).encoded(),
            idempotent: true)
        let user: LobbyUser?
        switch result {
        case .success(let body):
            guard case .credentials(let found)? = try? LobbyReply(decoding: body) else {
                throw .fleet(FleetRequestError(.malformed))
            }
            user = found
        case .failure(let error):
            throw .fleet(error)
        }
        switch await verifier.verify(password, against: user) {
        case .accepted(let type):
            throttle.withLock { $0.succeeded(username) }
            remember(key, type, until: now + cacheLifetime)
            return type
        case .rejected:
            let locked = throttle.withLock { $0.failed(username, at: monotonicNanoseconds()) }
            if locked { fleet.counters.add(.loginLocked) }
            return nil
        case .busy:
            fleet.counters.add(.loginThrottled)
            throw .busy
        }
    }

    private func cached(_ key: [UInt8], at now: ContinuousClock.Instant) -> LobbyUserType? {
        cache.withLock { cache in
            guard let hit = cache[key], hit.until > now else { return nil }
            return hit.type
        }
    }

    private func remember(_ key: [UInt8], _ type: LobbyUserType, until: ContinuousClock.Instant) {
        let limit = maxEntries
        cache.withLock { cache in
            if cache.count >= limit {
                for (old, _) in cache.sorted(by: { $0.value.until < $1.value.until }).prefix(limit / 2) {
                    cache[old] = nil
                }
            }
            cache[key] = Entry(type: type, until: until)
        }
    }
}
