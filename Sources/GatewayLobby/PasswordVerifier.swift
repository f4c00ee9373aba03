import GatewayCore
import Lobby
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the lobby's password checks (PBKDF2, tens of milliseconds of CPU each) on one dedicated, lower-priority
/// thread of the gateway, with a bounded queue: never on an event loop or the async runtime's few threads, never on
/// the worker that owns the lobby (where a flood of logins would queue in front of other products' commands), and
/// never more than one core however many logins arrive (docs/architecture.md, "Logins").
final class PasswordVerifier: Sendable {
    /// What a check came to.
    enum Outcome: Sendable, Equatable {
        /// The password is the user's.
        case accepted(LobbyUserType)
        /// Wrong password or unknown name.
        case rejected
        /// The queue was full: the check did not run.
        case busy
    }

    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    /// Checks queued or running at most; one more is answered `busy` at once.
    let maxQueued: Int

    /// Starts the verifier's thread.
    init(maxQueued: Int) {
        self.maxQueued = max(1, maxQueued)
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        pool.submit { _ in
            // The checks yield to the event loops when the machine is busy: a login waits, a stream does not. On
            // Linux the nice value belongs to a thread, and `who` 0 names the calling thread, not the whole process.
            #if canImport(Glibc)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
        }
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// Checks `password` against `user`'s stored hash; an unknown user (nil) costs the same derivation, so timing
    /// does not tell which names exist.
    func verify(_ password: String, against user: LobbyUser?) async -> Outcome {
        let queued = waiting.add(1, ordering: .relaxed).newValue
        defer { waiting.subtract(1, ordering: .relaxed) }
        guard queued <= maxQueued else { return .busy }
        do {
            return try await pool.runIfActive {
                var users = LobbyUsers()
                if let user { users.set(user) }
                return users.authenticate(username: user?.username ?? "", password: password)
                    .map(Outcome.accepted) ?? .rejected
            }
        } catch {
            return .busy
        }
    }
}
