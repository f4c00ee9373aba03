package import Logging
package import Wire
package import ZeroMQ

/// How one process secures its ZeroMQ links (docs/protocol.md §7): CURVE with its own key pair, or nothing
/// (`--insecure-links`, for debugging only).
package enum LinkSecurity: Sendable, Hashable {
    /// No authentication or encryption.
    case insecure
    /// CURVE: the process's own key pair and the supervisor's public key.
    case curve(ZMQCurveKeyPair, supervisorKey: String)

    /// The security of a process started with key file `file` (which must name process `id`).
    package static func load(keyFile path: String, process id: String) throws(FleetKeyFile.Failure) -> LinkSecurity {
        let file = try FleetKeyFile.load(path)
        guard file.process == id else {
            throw FleetKeyFile.Failure(description: "\(path) is the key of \(file.process), not of \(id)")
        }
        guard let supervisorKey = file.supervisorKey else {
            throw FleetKeyFile.Failure(description: "\(path) has no supervisor-key line")
        }
        return .curve(file.keys, supervisorKey: supervisorKey)
    }

    /// Whether links are authenticated and encrypted.
    package var isSecure: Bool { if case .curve = self { true } else { false } }

    /// The options' security for a socket that binds (a worker's command ROUTER and reply PUB).
    package var server: ZMQSecurity {
        switch self {
        case .insecure: .none
        case .curve(let keys, _): .curveServer(keys)
        }
    }

    /// The options' security for a socket that connects to the supervisor.
    package var toSupervisor: ZMQSecurity {
        switch self {
        case .insecure: .none
        case .curve(let keys, let supervisorKey): .curveClient(keys, serverKey: supervisorKey)
        }
    }

    /// The options' security for a socket that connects to worker `id` of `map`; nil when the map has no key for
    /// it (a CURVE process cannot reach that worker until a map names its key).
    package func toWorker(_ id: String, of map: PartitionMap) -> ZMQSecurity? {
        switch self {
        case .insecure: return ZMQSecurity.none
        case .curve(let keys, _):
            guard let key = map.keys[id], ZMQCurveKeyPair.isKey(key) else { return nil }
            return .curveClient(keys, serverKey: key)
        }
    }
}

/// The ZAP handler of a process whose sockets bind (a worker), fed with the keys of each new map: only the fleet's
/// processes get in, each known by its id.
package final class FleetLinkGuard: Sendable {
    /// How long a handshake with a key the process does not know yet waits for a map that names it: a peer may
    /// connect before the process has its first map, or before the map with a rotated key arrives.
    package static let keyGrace: Duration = .seconds(5)

    /// The handler; nil for insecure links.
    package let authenticator: ZMQCurveAuthenticator?

    /// A guard for `security`; lets nobody in until the first map (`adopt`).
    package init(security: LinkSecurity, logger: Logger) {
        authenticator =
            security.isSecure
            ? ZMQCurveAuthenticator(allowing: [:], grace: Self.keyGrace, logger: logger) : nil
    }

    /// Binds the handler on `engine` (nothing for insecure links): call before the engine's server sockets bind,
    /// then `serve`.
    package func bind(on engine: ZMQEngine) async throws -> ZMQSocketID? {
        try await authenticator?.bind(on: engine)
    }

    /// Answers handshakes on `socket` (from `bind`) until cancelled or the engine shuts down.
    package func serve(_ socket: ZMQSocketID, on engine: ZMQEngine) async {
        await authenticator?.serve(socket, on: engine)
    }

    /// Lets in exactly the processes whose keys `map` lists.
    package func adopt(_ map: PartitionMap) {
        authenticator?.replace(allowing: Dictionary(map.keys.map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Handshakes refused so far.
    package var refused: Int { authenticator?.refused ?? 0 }
}
