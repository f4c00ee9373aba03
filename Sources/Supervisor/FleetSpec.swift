import Wire

/// What the supervisor launches and how it wires it (docs/operations.md, "The fleet").
package struct FleetSpec: Sendable {
    /// One gateway process.
    package struct GatewaySpec: Sendable {
        /// Process id (`g1`).
        package var id: String
        /// Address its listeners bind to.
        package var listenHost: String
        /// Step tracker REST port.
        package var stepsHTTPPort: Int
        /// Step tracker WebSocket port.
        package var stepsWebSocketPort: Int
        /// Learning stats REST port.
        package var statsHTTPPort: Int
        /// Presence REST and Socket.IO port.
        package var presencePort: Int
        /// Lobby WebSocket and REST port.
        package var lobbyPort: Int

        /// Creates a gateway spec.
        package init(
            id: String, listenHost: String, stepsHTTPPort: Int, stepsWebSocketPort: Int, statsHTTPPort: Int,
            presencePort: Int, lobbyPort: Int = 9000
        ) {
            self.presencePort = presencePort
            self.lobbyPort = lobbyPort
            self.id = id
            self.listenHost = listenHost
            self.stepsHTTPPort = stepsHTTPPort
            self.stepsWebSocketPort = stepsWebSocketPort
            self.statsHTTPPort = statsHTTPPort
        }
    }

    /// Partition count, fixed at fleet creation.
    package var partitionCount: Int
    /// Worker ids (`w1`, `w2`, …).
    package var workerIDs: [String]
    /// Gateways.
    package var gateways: [GatewaySpec]
    /// Folder of the partition files.
    package var dataDirectory: String
    /// Where the supervisor's control ROUTER binds; a `*` port is resolved and passed to the children.
    package var controlEndpoint: String
    /// Host of the health endpoint.
    package var healthHost: String
    /// Port of `/health` and `/metrics`.
    package var healthPort: Int
    /// The `switchyard` binary the children run.
    package var executable: String
    /// Extra arguments given to every worker (durability, limits).
    package var workerArguments: [String]
    /// Extra arguments given to every gateway.
    package var gatewayArguments: [String]
    /// Products the gateways serve (`steps`, `stats`), for the endpoints the supervisor announces.
    package var products: [String]
    /// Heartbeat period of every process.
    package var heartbeatInterval: Duration
    /// A process whose last heartbeat is older than this is unhealthy.
    package var heartbeatTimeout: Duration
    /// A process of this host whose last heartbeat is older than this is killed (and so restarted); a worker of
    /// another host this silent is taken as gone (its `--lease-ms` MUST be shorter, so it has stopped serving).
    package var unresponsiveTimeout: Duration = .seconds(10)
    /// The control API's bearer token (nil: the API is open, for tests of the supervisor alone).
    package var controlToken: ControlToken?
    /// Whether `/health` and `/metrics` need the control token too.
    package var protectHealth = false
    /// Largest frame accepted on the supervisor's ZeroMQ sockets (its children get the same setting).
    package var maxWireMessageBytes = WireConstants.defaultMaxMessageBytes
    /// The address the workers this supervisor launches bind their command and reply sockets to (a free port each).
    package var workerBindHost = "127.0.0.1"
    /// ZeroMQ links without CURVE (`--insecure-links`, for debugging only): no keys, anyone who reaches an endpoint
    /// is a peer.
    package var insecureLinks = false
    /// Where each process runs; processes not listed run on `localHost`.
    package var placements: [String: Placement] = [:]
    /// The host label of the supervisor's own host: its processes are launched by the supervisor, the others are
    /// started on their hosts (systemd) and connect to the control endpoint.
    package var localHost = "local"

    /// Where a process runs.
    package struct Placement: Sendable, Hashable {
        /// Host label; workers with the same label share a data folder, so partitions move between them without
        /// copying the file.
        package var host: String

        /// Creates a placement.
        package init(host: String) { self.host = host }
    }

    /// The host label of process `id`.
    package func host(of id: String) -> String { placements[id]?.host ?? localHost }

    /// Whether the supervisor launches process `id` (it runs on the supervisor's host).
    package func launches(_ id: String) -> Bool { host(of: id) == localHost }

    /// Creates a spec.
    package init(
        partitionCount: Int, workerIDs: [String], gateways: [GatewaySpec], dataDirectory: String,
        controlEndpoint: String, healthHost: String, healthPort: Int, executable: String,
        workerArguments: [String] = [], gatewayArguments: [String] = [],
        products: [String] = ["steps", "stats", "presence", "lobby"],
        heartbeatInterval: Duration = .milliseconds(250), heartbeatTimeout: Duration = .seconds(2)
    ) {
        self.partitionCount = partitionCount
        self.workerIDs = workerIDs
        self.gateways = gateways
        self.dataDirectory = dataDirectory
        self.controlEndpoint = controlEndpoint
        self.healthHost = healthHost
        self.healthPort = healthPort
        self.executable = executable
        self.workerArguments = workerArguments
        self.gatewayArguments = gatewayArguments
        self.products = products
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
    }
}
