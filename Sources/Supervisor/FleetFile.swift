package import Foundation
import Wire

/// A fleet file (docs/operations.md, "Several hosts"): the hosts, workers, gateways and partitions of a fleet that
/// spans machines. `switchyard supervisor --fleet FILE` reads it; the supervisor launches the processes placed on
/// its own host (`localHost`) and waits for the others, which their hosts start (deploy/systemd).
package struct FleetFile: Decodable, Sendable {
    /// A worker: its id and host label.
    package struct Worker: Decodable, Sendable {
        /// Id (`w1`).
        package var id: String
        /// Host label; workers with the same label share a data folder.
        package var host: String?
    }

    /// A gateway: its id, host label, listen address and ports (each defaults to the contract's port).
    package struct Gateway: Decodable, Sendable {
        /// Id (`g1`).
        package var id: String
        /// Host label.
        package var host: String?
        /// Address the product listeners bind to.
        package var listen: String?
        /// Step tracker REST port.
        package var stepsHTTP: Int?
        /// Step tracker WebSocket port.
        package var stepsWS: Int?
        /// Learning stats port.
        package var stats: Int?
        /// Presence port.
        package var presence: Int?
        /// Lobby port.
        package var lobby: Int?
    }

    /// Where `/health`, `/metrics` and the fleet API listen.
    package struct Health: Decodable, Sendable {
        /// Address.
        package var host: String?
        /// Port.
        package var port: Int?
    }

    /// Partition count; fixed once the data folders exist.
    package var partitions: Int?
    /// The supervisor's data folder (its own host's partition files and `fleet-state.json`).
    package var data: String?
    /// The control endpoint the supervisor binds and every process connects to; a concrete address, reachable
    /// from every host.
    package var control: String?
    /// Health listener.
    package var health: Health?
    /// The supervisor's own host label (default `local`).
    package var localHost: String?
    /// The address of the supervisor's host that the other hosts reach: the workers it launches bind their ZeroMQ
    /// sockets there (default `127.0.0.1`, which only processes of this host reach).
    package var localAddress: String?
    /// A process of the supervisor's host silent this long is killed; a worker of another host, taken as gone.
    package var unresponsiveTimeoutMs: Int?
    /// Workers.
    package var workers: [Worker]
    /// Gateways.
    package var gateways: [Gateway]

    /// Reads and checks a fleet file.
    package static func load(_ path: String) throws -> FleetFile {
        let file = try JSONDecoder().decode(FleetFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        try file.validate()
        return file
    }

    /// Why a fleet file is refused.
    package struct Invalid: Error, CustomStringConvertible {
        /// The reason.
        package var description: String
    }

    func validate() throws(Invalid) {
        guard !workers.isEmpty else { throw Invalid(description: "a fleet needs at least one worker") }
        let ids = workers.map(\.id) + gateways.map(\.id)
        guard Set(ids).count == ids.count else { throw Invalid(description: "process ids must be unique") }
        if let bad = ids.first(where: { !Envelope.isValidOrigin($0) }) {
            throw Invalid(
                description:
                    "\"\(bad)\" is not a valid process id (1–\(WireConstants.maxOriginLength) of A–Z a–z 0–9 . _ -)")
        }
        if let partitions, !(1...4096).contains(partitions) {
            throw Invalid(description: "partitions must be 1…4096")
        }
        if let control, control.contains("*") {
            throw Invalid(description: "control must be a concrete endpoint other hosts can reach, not \(control)")
        }
    }

    /// `base` (from the command line) with this file's topology.
    package func apply(to base: FleetSpec) -> FleetSpec {
        var spec = base
        let local = localHost ?? "local"
        spec.localHost = local
        if let partitions { spec.partitionCount = partitions }
        if let data { spec.dataDirectory = URL(fileURLWithPath: data).standardizedFileURL.path }
        if let control { spec.controlEndpoint = control }
        if let localAddress { spec.workerBindHost = localAddress }
        if let host = health?.host { spec.healthHost = host }
        if let port = health?.port { spec.healthPort = port }
        if let ms = unresponsiveTimeoutMs { spec.unresponsiveTimeout = .milliseconds(ms) }
        spec.workerIDs = workers.map(\.id)
        spec.placements = [:]
        for worker in workers { spec.placements[worker.id] = .init(host: worker.host ?? local) }
        spec.gateways = gateways.map { g in
            spec.placements[g.id] = .init(host: g.host ?? local)
            return FleetSpec.GatewaySpec(
                id: g.id, listenHost: g.listen ?? "0.0.0.0", stepsHTTPPort: g.stepsHTTP ?? 8080,
                stepsWebSocketPort: g.stepsWS ?? 8081, statsHTTPPort: g.stats ?? 3000, presencePort: g.presence ?? 3456,
                lobbyPort: g.lobby ?? 9000)
        }
        return spec
    }
}
