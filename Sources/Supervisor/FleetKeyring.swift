import Fleet
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The supervisor's view of the fleet's keys (docs/operations.md, "Fleet keys"): its own key pair, the public key of
/// every process (read from the key folder, and read again whenever the folder changes), and the ZAP handler that lets
/// exactly those keys in, each known by its process id. Nil where the fleet runs with `--insecure-links`.
final class FleetKeyring: Sendable {
    /// Where the keys are.
    let folder: FleetKeyFolder
    /// The supervisor's key pair, for its control socket.
    let supervisorKeys: ZMQCurveKeyPair
    /// The supervisor engine's ZAP handler.
    let authenticator: ZMQCurveAuthenticator
    private let logger: Logger
    private let state: Mutex<(stamp: Double?, keys: [String: String])>

    /// Reads the folder of `dataDirectory`, first making the supervisor's key and a key file for each of
    /// `localProcesses` (the processes this host launches) that has none.
    init(dataDirectory: String, localProcesses: [String], logger: Logger) throws(FleetKeyFile.Failure) {
        folder = FleetKeyFolder(dataDirectory: dataDirectory)
        supervisorKeys = try folder.supervisorKeys()
        for id in localProcesses where !folder.isIssued(id) { _ = try folder.localKeyFile(of: id) }
        let stamp = folder.stamp()
        let (keys, problems) = folder.publicKeys()
        for problem in problems { logger.error("unusable key file", metadata: ["problem": "\(problem)"]) }
        // A key issued while the supervisor runs is read within half a second; its process's first handshake may come
        // sooner and waits for it.
        authenticator = ZMQCurveAuthenticator(
            allowing: Self.names(keys), grace: FleetLinkGuard.keyGrace, logger: logger)
        state = Mutex((stamp, keys))
        self.logger = logger
    }

    /// Every process's public key, by process id.
    var keys: [String: String] { state.withLock { $0.keys } }

    /// The key file process `id` of this host is started with (made if it has none).
    func keyFile(of id: String) throws(FleetKeyFile.Failure) -> String {
        try folder.localKeyFile(of: id)
    }

    /// Reads the folder again if it changed since the last read; returns the processes whose key was added,
    /// replaced or removed (empty if none), after letting in exactly the keys now there.
    func refresh() -> Set<String> {
        let stamp = folder.stamp()
        guard stamp != state.withLock({ $0.stamp }) else { return [] }
        let (keys, problems) = folder.publicKeys()
        for problem in problems { logger.error("unusable key file", metadata: ["problem": "\(problem)"]) }
        let old = state.withLock { state in
            defer { state = (stamp, keys) }
            return state.keys
        }
        authenticator.replace(allowing: Self.names(keys))
        let changed = Set(keys.keys).union(old.keys).filter { keys[$0] != old[$0] }
        if !changed.isEmpty { logger.info("fleet keys changed", metadata: ["processes": "\(changed.sorted())"]) }
        return changed
    }

    /// Public key → process id, as the ZAP handler takes it.
    private static func names(_ keys: [String: String]) -> [String: String] {
        Dictionary(keys.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
