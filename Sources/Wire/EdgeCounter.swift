/// A count a process keeps of what it did to protect itself (a gateway from its clients, any process from strangers
/// on its ZeroMQ links) or of how its links carry traffic (batches), carried in the heartbeat's long form
/// (docs/protocol.md §5.2) and shown in `/health` and `/metrics`. The raw value is the wire code; a receiver skips
/// codes it does not know, so a newer gateway may report counters an older supervisor ignores.
package enum EdgeCounter: UInt8, Sendable, Hashable, CaseIterable {
    /// A request header not complete within the header timeout (answered 408, closed).
    case headerTimeout = 1
    /// A request body that made no progress within the body timeout (answered 408, closed).
    case bodyTimeout = 2
    /// A keep-alive connection idle between requests past the idle timeout (closed).
    case idleTimeout = 3
    /// A WebSocket that answered no ping within the ping timeout (closed with 1001).
    case pingTimeout = 4
    /// A connection refused because the gateway was at its connection limit (answered 503, closed).
    case connectionRefused = 5
    /// A WebSocket client frame without a mask (closed with 1002, RFC 6455 §5.1).
    case unmaskedFrame = 6
    /// A malformed HTTP request (answered 400, 413 or 431, closed).
    case malformedRequest = 7
    /// A lobby login refused without a password check: its name was locked after failures, or the gateway's
    /// password checks were all taken.
    case loginThrottled = 8
    /// A lobby name locked after too many failed logins in a row.
    case loginLocked = 9
    /// A WebSocket or Socket.IO connection closed after too many failed logins on it (lobby, 1008).
    case loginConnectionClosed = 10
    /// A connection held back (not read) because it sent messages faster than its rate limit.
    case rateLimited = 11
    /// A Socket.IO polling payload refused for carrying too many packets or bytes (413).
    case payloadRefused = 12
    /// A connection, request or upgrade refused because the gateway was overloaded (503, or 1013 after an upgrade).
    case shed = 13
    /// Not a count but a state: one bit per lobby first-start account (`admin` 1, `user` 2) that still accepts its
    /// default password.
    case defaultPasswordAccounts = 14
    /// A ZeroMQ handshake refused because the peer had no key of the fleet (CURVE; any role that binds).
    case linkRefused = 15
    /// A `batch` message received on the command or reply path (docs/protocol.md §4.3).
    case batchReceived = 16
    /// A message received inside a batch; divided by `batchReceived`, the mean batch size.
    case batchedMessageReceived = 17
    /// Not a count but a state: client connections open now on the step tracker's ports (REST and WebSocket).
    case stepsConnections = 18
    /// Not a count but a state: client connections open now on learning stats' port.
    case statsConnections = 19
    /// Not a count but a state: client connections open now on presence's port (REST and Socket.IO).
    case presenceConnections = 20
    /// Not a count but a state: client connections open now on the lobby's port.
    case lobbyConnections = 21
    /// Client messages a gateway took in on the step tracker's ports: HTTP requests and WebSocket messages.
    case stepsMessagesIn = 22
    /// Client messages taken in on learning stats' port (HTTP requests).
    case statsMessagesIn = 23
    /// Client messages taken in on presence's port: HTTP requests (Socket.IO polls among them) and WebSocket
    /// messages.
    case presenceMessagesIn = 24
    /// Client messages taken in on the lobby's port: HTTP requests and WebSocket messages.
    case lobbyMessagesIn = 25
    /// Messages a gateway sent to the step tracker's clients: HTTP responses and WebSocket messages (acks).
    case stepsMessagesOut = 26
    /// Messages sent to learning stats' clients (HTTP responses).
    case statsMessagesOut = 27
    /// Messages sent to presence's clients: HTTP responses and WebSocket messages (Socket.IO packets).
    case presenceMessagesOut = 28
    /// Messages sent to the lobby's clients: HTTP responses and WebSocket messages (answers and table events).
    case lobbyMessagesOut = 29
    /// Step-tracker commands a worker applied (or read) and committed.
    case stepsCommandsApplied = 30
    /// Learning-stats commands a worker applied and committed.
    case statsCommandsApplied = 31
    /// Presence commands a worker applied and committed (its own timeout sweeps included).
    case presenceCommandsApplied = 32
    /// Lobby commands a worker applied and committed.
    case lobbyCommandsApplied = 33

    /// The state counter of the connections open on `product`'s ports.
    package static func openConnections(of product: ProductCode) -> EdgeCounter? {
        perProduct(first: .stepsConnections, product)
    }

    /// The count of client messages taken in on `product`'s ports.
    package static func messagesIn(of product: ProductCode) -> EdgeCounter? {
        perProduct(first: .stepsMessagesIn, product)
    }

    /// The count of messages sent to `product`'s clients.
    package static func messagesOut(of product: ProductCode) -> EdgeCounter? {
        perProduct(first: .stepsMessagesOut, product)
    }

    /// The count of `product`'s commands a worker applied.
    package static func commandsApplied(of product: ProductCode) -> EdgeCounter? {
        perProduct(first: .stepsCommandsApplied, product)
    }

    /// Four codes in a row, in `ProductCode.clientProducts` order, starting with the step tracker's.
    private static func perProduct(first: EdgeCounter, _ product: ProductCode) -> EdgeCounter? {
        guard product != .fleet else { return nil }
        return EdgeCounter(rawValue: first.rawValue + product.rawValue - ProductCode.steps.rawValue)
    }

    /// For a counter kept once per product, that product (the `product` label of its `/metrics` family).
    package var product: ProductCode? {
        let groups: [EdgeCounter] = [.stepsConnections, .stepsMessagesIn, .stepsMessagesOut, .stepsCommandsApplied]
        for first in groups where (first.rawValue..<first.rawValue + 4).contains(rawValue) {
            return ProductCode(rawValue: ProductCode.steps.rawValue + rawValue - first.rawValue)
        }
        return nil
    }

    /// The lobby's first-start accounts, in the bit order of `defaultPasswordAccounts` (the same as
    /// `LobbyUsers.defaultCredentials`, which a test holds them to).
    package static let firstStartAccounts = ["admin", "user"]

    /// The first-start accounts a `defaultPasswordAccounts` value names.
    package static func firstStartAccounts(in mask: UInt64) -> [String] {
        firstStartAccounts.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element)
    }

    /// The counters a worker reports.
    package static let workerCounters: [EdgeCounter] = [
        .linkRefused, .batchReceived, .batchedMessageReceived, .stepsCommandsApplied, .statsCommandsApplied,
        .presenceCommandsApplied, .lobbyCommandsApplied,
    ]

    /// The counters a gateway reports: all but the commands applied, which only workers count.
    package static let gatewayCounters: [EdgeCounter] = allCases.filter {
        !(EdgeCounter.stepsCommandsApplied.rawValue...EdgeCounter.lobbyCommandsApplied.rawValue).contains($0.rawValue)
    }

    /// The name in `/health` (camel case) and, in snake case, in `/metrics`.
    package var name: String {
        switch self {
        case .headerTimeout: "headerTimeouts"
        case .bodyTimeout: "bodyTimeouts"
        case .idleTimeout: "idleTimeouts"
        case .pingTimeout: "pingTimeouts"
        case .connectionRefused: "connectionsRefused"
        case .unmaskedFrame: "unmaskedFrames"
        case .malformedRequest: "malformedRequests"
        case .loginThrottled: "loginsThrottled"
        case .loginLocked: "loginNamesLocked"
        case .loginConnectionClosed: "loginConnectionsClosed"
        case .rateLimited: "rateLimited"
        case .payloadRefused: "payloadsRefused"
        case .shed: "shed"
        case .defaultPasswordAccounts: "defaultPasswordAccounts"
        case .linkRefused: "linkHandshakesRefused"
        case .batchReceived: "batchesReceived"
        case .batchedMessageReceived: "batchedMessagesReceived"
        case .stepsConnections: "stepsConnections"
        case .statsConnections: "statsConnections"
        case .presenceConnections: "presenceConnections"
        case .lobbyConnections: "lobbyConnections"
        case .stepsMessagesIn: "stepsMessagesIn"
        case .statsMessagesIn: "statsMessagesIn"
        case .presenceMessagesIn: "presenceMessagesIn"
        case .lobbyMessagesIn: "lobbyMessagesIn"
        case .stepsMessagesOut: "stepsMessagesOut"
        case .statsMessagesOut: "statsMessagesOut"
        case .presenceMessagesOut: "presenceMessagesOut"
        case .lobbyMessagesOut: "lobbyMessagesOut"
        case .stepsCommandsApplied: "stepsCommandsApplied"
        case .statsCommandsApplied: "statsCommandsApplied"
        case .presenceCommandsApplied: "presenceCommandsApplied"
        case .lobbyCommandsApplied: "lobbyCommandsApplied"
        }
    }

    /// Whether the value is a state (a gauge in `/metrics`) rather than a count (a counter, `…_total`).
    package var isState: Bool {
        switch self {
        case .defaultPasswordAccounts, .stepsConnections, .statsConnections, .presenceConnections, .lobbyConnections:
            true
        default: false
        }
    }

    /// The HELP text of its `/metrics` family.
    package var help: String {
        switch self {
        case .headerTimeout: "Requests whose header was not complete within the header timeout (408, closed)."
        case .bodyTimeout: "Request bodies that made no progress within the body timeout (408, closed)."
        case .idleTimeout: "Keep-alive connections closed after the idle timeout."
        case .pingTimeout: "WebSockets closed for not answering a ping in time (1001)."
        case .connectionRefused: "Connections refused at the connection limit (503)."
        case .unmaskedFrame: "WebSocket client frames without a mask (1002)."
        case .malformedRequest: "Malformed HTTP requests (400, 413 or 431)."
        case .loginThrottled: "Lobby logins refused without a password check (locked name or no check free)."
        case .loginLocked: "Lobby names locked after too many failed logins in a row."
        case .loginConnectionClosed: "Lobby connections closed after too many failed logins on them (1008)."
        case .rateLimited: "Times a connection was held back for sending faster than its rate limit."
        case .payloadRefused: "Socket.IO polling payloads refused for too many packets or bytes (413)."
        case .shed: "Connections, requests or upgrades refused while the gateway was overloaded (503, 1013)."
        case .defaultPasswordAccounts:
            "Lobby first-start accounts that still accept their default password, one bit each (admin 1, user 2)."
        case .linkRefused: "ZeroMQ handshakes refused because the peer had no key of the fleet."
        case .batchReceived: "Batch messages received on the command or reply path."
        case .batchedMessageReceived: "Messages received inside batches (divided by the batches, the mean batch size)."
        case .stepsConnections, .statsConnections, .presenceConnections, .lobbyConnections:
            "Client connections open now on a product's ports (a gateway's), by product."
        case .stepsMessagesIn, .statsMessagesIn, .presenceMessagesIn, .lobbyMessagesIn:
            "Client messages a gateway took in (HTTP requests and WebSocket messages), by product."
        case .stepsMessagesOut, .statsMessagesOut, .presenceMessagesOut, .lobbyMessagesOut:
            "Messages a gateway sent to clients (HTTP responses and WebSocket messages), by product."
        case .stepsCommandsApplied, .statsCommandsApplied, .presenceCommandsApplied, .lobbyCommandsApplied:
            "Commands a worker applied and committed, by product."
        }
    }

    /// The Prometheus series name (a count's counter adds `_total`).
    package var metricName: String {
        switch self {
        case .headerTimeout: "switchyard_edge_header_timeouts"
        case .bodyTimeout: "switchyard_edge_body_timeouts"
        case .idleTimeout: "switchyard_edge_idle_timeouts"
        case .pingTimeout: "switchyard_edge_ping_timeouts"
        case .connectionRefused: "switchyard_edge_connections_refused"
        case .unmaskedFrame: "switchyard_edge_unmasked_frames"
        case .malformedRequest: "switchyard_edge_malformed_requests"
        case .loginThrottled: "switchyard_edge_logins_throttled"
        case .loginLocked: "switchyard_edge_login_names_locked"
        case .loginConnectionClosed: "switchyard_edge_login_connections_closed"
        case .rateLimited: "switchyard_edge_rate_limited"
        case .payloadRefused: "switchyard_edge_payloads_refused"
        case .shed: "switchyard_edge_shed"
        case .defaultPasswordAccounts: "switchyard_lobby_default_password_accounts"
        case .linkRefused: "switchyard_link_handshakes_refused"
        case .batchReceived: "switchyard_wire_batches_received"
        case .batchedMessageReceived: "switchyard_wire_batched_messages_received"
        case .stepsConnections, .statsConnections, .presenceConnections, .lobbyConnections:
            "switchyard_gateway_open_connections"
        case .stepsMessagesIn, .statsMessagesIn, .presenceMessagesIn, .lobbyMessagesIn:
            "switchyard_gateway_messages_received"
        case .stepsMessagesOut, .statsMessagesOut, .presenceMessagesOut, .lobbyMessagesOut:
            "switchyard_gateway_messages_sent"
        case .stepsCommandsApplied, .statsCommandsApplied, .presenceCommandsApplied, .lobbyCommandsApplied:
            "switchyard_worker_commands_applied"
        }
    }
}
