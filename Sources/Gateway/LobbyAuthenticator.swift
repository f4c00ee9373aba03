import Crypto
import Lobby
import Synchronization

/// Checks lobby credentials with the lobby's partition (which holds the password hashes), remembering successful
/// checks for `cacheLifetime`: HTTP Basic auth sends credentials with every REST request, and a PBKDF2 check per
/// request on the lobby's single writer would make it the bottleneck.
///
/// The cache is keyed by a SHA-256 of a per-process random key, the username and the password, never by the
/// password itself; only successes are kept, so a wrong password always reaches the partition. A password changed
/// with `switchyard lobby-user` stops working on a gateway at most `cacheLifetime` later.
final class LobbyAuthenticator: Sendable {
    private struct Entry: Sendable {
        var type: LobbyUserType
        var until: ContinuousClock.Instant
    }

    private let fleet: FleetClient
    private let cacheLifetime: Duration
    private let secret: [UInt8] = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
    private let cache = Mutex<[[UInt8]: Entry]>([:])
    /// Entries kept at most; the oldest half is dropped beyond it.
    private let maxEntries = 10_000

    init(fleet: FleetClient, cacheLifetime: Duration = .seconds(30)) {
        self.fleet = fleet
        self.cacheLifetime = cacheLifetime
    }

    /// The user's type if the credentials are right; nil if wrong; throws if the fleet did not answer.
    func authenticate(username: String, password: String) async throws(FleetRequestError) -> LobbyUserType? {
        var hasher = SHA256()
        hasher.update(data: secret)
        hasher.update(data: Array(username.utf8) + [0] + Array(password.utf8))
        let key = Array(hasher.finalize())
        let now = ContinuousClock.now
        if let hit = cached(key, at: now) { return hit }
        let result = await fleet.request(
            product: .lobby, key: LobbyHub.key,
            body: LobbyCommand.authenticate(username: username, password: password).encoded(), idempotent: true)
        switch result {
        case .success(let body):
            guard case .authenticated(let type)? = try? LobbyReply(decoding: body) else {
                throw FleetRequestError(.malformed)
            }
            if let type { remember(key, type, until: now + cacheLifetime) }
            return type
        case .failure(let error):
            throw error
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
