import Fleet
import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import JSON
import Logging
import NIOCore
import Presence
import ServiceLifecycle
import SocketIO
import Synchronization

/// The Socket.IO endpoint (`/socket.io/`) of the presence port: runs each client's `SocketIOServerSession` (the
/// pure Engine.IO + Socket.IO state machines of the SocketIO module) over Hummingbird's HTTP long-polling requests
/// and over WebSockets served on their event loops (`SocketIOWebSocketChannelHandler`), and connects the sessions to
/// presence: `user-ping` events become pings, and every connected client receives the hub's broadcasts.
///
/// Every session lives in one table under one lock; each input runs the session's state machine and carries out
/// its transport actions while the lock is held (frames are queued to the WebSocket's outbox, held polls are
/// resumed), so a session's output keeps the order the state machine decided. Pings to the fleet are sent after
/// the lock is released.
///
/// A broadcast is encoded once: both event frames go, as shared buffers, to every session on the WebSocket
/// transport (`SocketIOServerSession.eventWebSocket`), and an unwritten broadcast in an outbox is replaced by a
/// newer one, so a client that is behind gets the newest list, not every list in between.
final class SocketIOServer: Service, Sendable {
    /// The presence state as the two events every client is sent, encoded once per broadcast and shared (one
    /// reference per queued broadcast).
    final class PresenceFrames: Sendable {
        /// The Socket.IO packets (`2["online-users-list",…]`, `2["online-users-count",…]`), for polling sessions.
        let listPacket: String
        let countPacket: String
        /// The WebSocket frames (`4` and the packet), shared by every WebSocket session.
        let listFrame: ByteBuffer
        let countFrame: ByteBuffer

        init(list: String, count: String) {
            listPacket = "2[\"online-users-list\",\(list)]"
            countPacket = "2[\"online-users-count\",\(count)]"
            listFrame = ByteBuffer(string: "4" + listPacket)
            countFrame = ByteBuffer(string: "4" + countPacket)
        }
    }

    /// What a WebSocket's handler writes, in order.
    enum Outgoing: Sendable {
        case frame(EngineIOFrame)
        /// The newest presence state (it replaces an older one not yet written).
        case broadcast(PresenceFrames)
        /// Close the WebSocket with this code.
        case close(UInt16)

        /// Payload bytes, for the outbox's byte bound.
        var byteCount: Int {
            switch self {
            case .frame(let frame): frame.byteCount
            case .broadcast(let frames): frames.listFrame.readableBytes + frames.countFrame.readableBytes
            case .close: 0
            }
        }

        var isBroadcast: Bool {
            if case .broadcast = self { true } else { false }
        }
    }

    /// A WebSocket's bounded outbox: a client that stops reading would otherwise hold everything sent to it until
    /// the Engine.IO heartbeat dropped it.
    typealias Writer = BoundedOutbox<Outgoing>

    /// Which session a WebSocket upgrade is for.
    enum WebSocketTarget: Sendable, Hashable {
        /// A new session whose first transport is this WebSocket.
        case handshake
        /// The upgrade (or probe) of this polling session.
        case upgrade(sessionID: String)
    }

    private struct Entry {
        var session: SocketIOServerSession
        var heldPoll: CheckedContinuation<EngineIOHTTPResponse, Never>?
        var webSockets: [Int: Writer] = [:]
        /// Connected to `/`: receives the presence broadcasts.
        var listening = false
    }

    private struct State {
        var sessions: [String: Entry] = [:]
        var nextWebSocket = 0
        /// The last broadcast, sent to each client as it connects.
        var latest: PresenceFrames?
    }

    private let fleet: FleetClient
    private let hub: PresenceHub
    private let engine: EngineIOConfiguration
    private let logger: Logger
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// How often session timers (pings, timeouts) are checked.
    private let tickInterval: Duration = .milliseconds(100)
    /// Frames a WebSocket client may have waiting to be written before it is closed (1008) as too slow.
    let maxQueuedFrames: Int
    /// Bytes of frames a WebSocket client may have waiting to be written before it is closed (1008) as too slow.
    let maxQueuedBytes: Int
    /// Where queued bytes are added up gateway-wide.
    let policy: EdgePolicy?

    init(
        fleet: FleetClient, hub: PresenceHub, engine: EngineIOConfiguration, maxQueuedFrames: Int, maxQueuedBytes: Int,
        policy: EdgePolicy? = nil, logger: Logger
    ) {
        self.policy = policy
        self.maxQueuedBytes = maxQueuedBytes
        self.fleet = fleet
        self.hub = hub
        self.engine = engine
        self.maxQueuedFrames = maxQueuedFrames
        self.logger = logger
        // One listener for every session; it is called at once, so `latest` is set before any client connects.
        _ = hub.addListener { [weak self] list, count in self?.broadcast(list: list, count: count) }
    }

    /// The largest WebSocket message accepted (Engine.IO's `maxPayload`).
    var maxPayload: Int { engine.maxPayload }

    /// The gateway's counters (the WebSocket handlers count held-back messages there).
    var counters: ProcessCounters { fleet.counters }

    /// Number of live sessions.
    var sessionCount: Int { state.withLock { $0.sessions.count } }

    /// Runs the sessions' timers until shutdown, then closes every session.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.tickInterval)
                self.tickAll()
            }
        }
        closeAllSessions()
    }

    /// Closes every session from the server side (graceful shutdown): WebSocket sessions at once, polling ones
    /// with a close packet on their next poll.
    func closeAllSessions() {
        let now = clock.now
        let ids = state.withLock { Array($0.sessions.keys) }
        for id in ids { perform(id) { $0.close(at: now) } }
    }

    // MARK: - HTTP (long-polling and handshakes)

    /// Registers `/socket.io/` for GET and POST (the router treats `/socket.io` the same).
    func register(on router: Router<BasicRequestContext>) {
        router.get("/socket.io/") { request, _ in await self.http(request) }
        router.post("/socket.io/") { request, _ in await self.http(request) }
    }

    private func http(_ request: Request) async -> Response {
        let description = EngineIORequest(
            method: request.method == .get ? .get : request.method == .post ? .post : .other,
            query: Self.query(request.uri.query ?? ""), isWebSocketUpgrade: Self.isUpgrade(request.headers),
            origin: request.headers[.origin])
        let route = description.route(sessionTransport: transport(of:))
        let now = clock.now
        switch route {
        case .reject(let error):
            return Self.response(error.response)
        case .handshake(.polling):
            let id = Self.newID()
            let (session, actions) = SocketIOServerSession.handshake(
                id: id, transport: .polling, engine: engine, at: now)
            var answer: EngineIOHTTPResponse?
            let events = state.withLock { state in
                state.sessions[id] = Entry(session: session)
                return carryOut(actions, for: id, in: &state) { answer = $0 }
            }
            ping(events)
            return Self.response(answer ?? .badRequest)
        case .handshake(.websocket), .upgrade:
            // Only reached when the WebSocket upgrade was not performed (e.g. a proxy stripped the headers).
            return Self.response(EngineIORequestError(.badRequest).response)
        case .poll(let id):
            return Self.response(await poll(id, at: now))
        case .post(let id):
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: engine.maxPayload)
            } catch {
                fleet.counters.add(.payloadRefused)
                return Self.response(.payloadTooLarge)
            }
            var answer: EngineIOHTTPResponse?
            let contentType = request.headers[.contentType]
            let events = state.withLock { state -> [SocketIOEvent] in
                guard var entry = state.sessions[id] else { return [] }
                let actions = entry.session.handlePollPOST(
                    body: Array(body.readableBytesView), contentType: contentType, at: now)
                state.sessions[id] = entry
                return carryOut(actions, for: id, in: &state) { answer = $0 }
            }
            ping(events)
            if answer?.status == 413 { fleet.counters.add(.payloadRefused) }
            return Self.response(answer ?? EngineIORequestError(.sessionIDUnknown).response)
        }
    }

    /// A polling GET: answered at once, or held until the session has something to send.
    private func poll(_ id: String, at now: ContinuousClock.Instant) async -> EngineIOHTTPResponse {
        var events: [SocketIOEvent] = []
        let response = await withCheckedContinuation {
            (continuation: CheckedContinuation<EngineIOHTTPResponse, Never>) in
            events = state.withLock { state in
                guard var entry = state.sessions[id] else {
                    continuation.resume(returning: EngineIORequestError(.sessionIDUnknown).response)
                    return []
                }
                let actions = entry.session.handlePollGET(at: now)
                state.sessions[id] = entry
                var answered = false
                let events = carryOut(actions, for: id, in: &state, holding: continuation) { answer in
                    answered = true
                    continuation.resume(returning: answer)
                }
                if !answered, state.sessions[id]?.heldPoll == nil {
                    // Neither answered nor held (the session ended in this call).
                    continuation.resume(returning: EngineIORequestError(.sessionIDUnknown).response)
                }
                return events
            }
        }
        ping(events)
        return response
    }

    // MARK: - WebSocket

    /// Which session a WebSocket upgrade request is for: a WebSocket handshake, or the upgrade of a live polling
    /// session; nil for anything else, which is left to the HTTP router (it answers the reference server's 400).
    func webSocketTarget(pathAndQuery: String, origin: String?) -> WebSocketTarget? {
        guard Self.isSocketIOPath(pathAndQuery) else { return nil }
        let query = Self.query(Self.queryString(pathAndQuery))
        let description = EngineIORequest(method: .get, query: query, isWebSocketUpgrade: true, origin: origin)
        switch description.route(sessionTransport: transport(of:)) {
        case .handshake(.websocket): return .handshake
        case .upgrade(let id): return .upgrade(sessionID: id)
        default: return nil
        }
    }

    /// A new WebSocket's outbox; `wake` tells its handler there is something to write.
    func makeWriter(wake: @escaping @Sendable () -> Void) -> Writer {
        let counters = fleet.counters
        return Writer(
            maxMessages: maxQueuedFrames, maxBytes: maxQueuedBytes, size: \.byteCount, overflow: .close(1008),
            accounting: policy, supersedes: \.isBroadcast, onOverflow: { counters.addSlowClientClosed() },
            wake: wake)
    }

    /// Opens a WebSocket for `target`, writing through `writer`: its session and WebSocket number, or nil when the
    /// session it upgrades is gone.
    func openWebSocket(_ target: WebSocketTarget, writer: Writer) -> (session: String, webSocket: Int)? {
        let now = clock.now
        let opened: (String, Int, [SocketIOEvent])? = state.withLock { state in
            state.nextWebSocket += 1
            let webSocket = state.nextWebSocket
            switch target {
            case .upgrade(let id):
                guard var entry = state.sessions[id] else { return nil }
                entry.webSockets[webSocket] = writer
                let actions = entry.session.webSocketOpened(webSocket, at: now)
                state.sessions[id] = entry
                return (id, webSocket, carryOut(actions, for: id, in: &state) { _ in })
            case .handshake:
                let id = Self.newID()
                let (session, actions) = SocketIOServerSession.handshake(
                    id: id, transport: .webSocket(webSocket), engine: engine, at: now)
                state.sessions[id] = Entry(session: session, webSockets: [webSocket: writer])
                return (id, webSocket, carryOut(actions, for: id, in: &state) { _ in })
            }
        }
        guard let (id, webSocket, events) = opened else { return nil }
        ping(events)
        return (id, webSocket)
    }

    /// A message that arrived on WebSocket `webSocket` of session `id`.
    func received(_ frame: EngineIOFrame, session id: String, webSocket: Int) {
        let now = clock.now
        perform(id) { $0.webSocketFrame(frame, from: webSocket, at: now) }
    }

    /// WebSocket `webSocket` of session `id` is gone.
    func closed(session id: String, webSocket: Int) {
        let now = clock.now
        perform(id) { $0.webSocketClosed(webSocket, at: now) }
        state.withLock { _ = $0.sessions[id]?.webSockets.removeValue(forKey: webSocket) }
    }

    // MARK: - Running the state machine

    /// Runs `input` on session `id` and carries out its actions.
    private func perform(_ id: String, _ input: (inout SocketIOServerSession) -> [SocketIOServerSession.Action]) {
        let events = state.withLock { state -> [SocketIOEvent] in
            guard var entry = state.sessions[id] else { return [] }
            let actions = input(&entry.session)
            state.sessions[id] = entry
            return carryOut(actions, for: id, in: &state) { _ in }
        }
        ping(events)
    }

    private func tickAll() {
        let now = clock.now
        let due = state.withLock { state in
            state.sessions.compactMap { id, entry in
                entry.session.nextDeadline.map { $0 <= now } == true ? id : nil
            }
        }
        for id in due { perform(id) { $0.tick(at: now) } }
    }

    /// Carries out transport actions under the lock; returns the events the client emitted. `respond` gets the
    /// answer to the request of this call; `holding` is the poll to keep if the session says so.
    private func carryOut(
        _ actions: [SocketIOServerSession.Action], for id: String, in state: inout State,
        holding poll: CheckedContinuation<EngineIOHTTPResponse, Never>? = nil,
        respond: (EngineIOHTTPResponse) -> Void
    ) -> [SocketIOEvent] {
        var events: [SocketIOEvent] = []
        for action in actions {
            switch action {
            case .respond(let response):
                respond(response)
            case .holdPoll:
                state.sessions[id]?.heldPoll = poll
            case .releasePoll(let response):
                state.sessions[id]?.heldPoll?.resume(returning: response)
                state.sessions[id]?.heldPoll = nil
            case .sendFrame(let frame, let webSocket):
                state.sessions[id]?.webSockets[webSocket]?.send(.frame(frame))
            case .closeWebSocket(let webSocket, let code):
                state.sessions[id]?.webSockets[webSocket]?.finish(with: .close(code))
            case .connected:
                // The client gets the current state at once (both events), then every broadcast.
                state.sessions[id]?.listening = true
                if let latest = state.latest { events += deliver(latest, to: id, in: &state) }
            case .event(let event):
                events.append(event)
            case .disconnected:
                state.sessions[id]?.listening = false
            case .closed(let reason):
                // The Engine.IO heartbeat is these clients' liveness check: its timeouts count with the guard's.
                if reason == .pingTimeout { fleet.counters.add(.pingTimeout) }
                if let entry = state.sessions.removeValue(forKey: id) {
                    // A poll still held when the session ends gets the close packet's answer from the session
                    // itself; resume any leftover so no request hangs.
                    entry.heldPoll?.resume(returning: .packets([.close]))
                    for writer in entry.webSockets.values { writer.finish() }
                }
            }
        }
        return events
    }

    // MARK: - Presence

    /// Sends the hub's new state to every connected client: WebSocket sessions get the shared frames in their outbox
    /// (in place of an older broadcast not yet written), polling sessions the events through their state machine.
    private func broadcast(list: String, count: String) {
        let frames = PresenceFrames(list: list, count: count)
        let events = state.withLock { state -> [SocketIOEvent] in
            state.latest = frames
            var polling: [String] = []
            for (id, entry) in state.sessions where entry.listening {
                if let webSocket = entry.session.eventWebSocket, let writer = entry.webSockets[webSocket] {
                    writer.send(.broadcast(frames))
                } else {
                    polling.append(id)
                }
            }
            return polling.flatMap { deliver(frames, to: $0, in: &state) }
        }
        ping(events)
    }

    /// Sends `frames` to session `id` if it listens; under the lock.
    private func deliver(_ frames: PresenceFrames, to id: String, in state: inout State) -> [SocketIOEvent] {
        guard var entry = state.sessions[id], entry.listening else { return [] }
        if let webSocket = entry.session.eventWebSocket, let writer = entry.webSockets[webSocket] {
            writer.send(.broadcast(frames))
            return []
        }
        let now = clock.now
        let actions =
            entry.session.emit(encoded: frames.listPacket, at: now)
            + entry.session.emit(encoded: frames.countPacket, at: now)
        state.sessions[id] = entry
        return carryOut(actions, for: id, in: &state) { _ in }
    }

    private func ping(_ events: [SocketIOEvent]) {
        for event in events { ping(event) }
    }

    /// `user-ping` with `{"id": …, "status": "available" | "busy"}` acts like the REST ping; anything else is
    /// ignored (contracts §3).
    private func ping(_ event: SocketIOEvent) {
        guard event.name == "user-ping", case .object(let object)? = event.arguments.first,
            let user = object["id"].flatMap({ PresenceUserID(json: $0) }),
            case .string(let text) = object["status"], let status = PresenceStatus(clientValue: text)
        else { return }
        fleet.request(
            product: .presence, key: user.text, body: PresenceCommand.ping(user: user, status: status).encoded(),
            idempotent: true
        ) { _ in }
    }

    // MARK: - Helpers

    private func transport(of id: String) -> EngineIOTransport? {
        state.withLock { $0.sessions[id]?.session.engine.transport }
    }

    private static func isSocketIOPath(_ path: String) -> Bool {
        let route = path.split(separator: "?", maxSplits: 1).first ?? ""
        return route == "/socket.io/" || route == "/socket.io"
    }

    private static func isUpgrade(_ headers: HTTPFields) -> Bool {
        headers[.upgrade]?.lowercased() == "websocket"
    }

    /// The part of a request target after `?`.
    private static func queryString(_ path: String) -> String {
        path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
    }

    /// Decoded query parameters, first value per name (Engine.IO reads `EIO`, `transport`, `sid`, `j`).
    private static func query(_ text: String) -> [String: String] {
        var query: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            if query[key] == nil { query[key] = value }
        }
        return query
    }

    private static func newID() -> String {
        var random = SystemRandomNumberGenerator()
        return SocketIOIdentifier.make(using: &random)
    }

    private static func response(_ answer: EngineIOHTTPResponse) -> Response {
        var headers: HTTPFields = [:]
        if let type = answer.contentType { headers[.contentType] = type }
        if answer.status == 200, answer.contentType?.hasPrefix("text/plain") == true {
            headers[.cacheControl] = "no-store"
        }
        return Response(
            status: .init(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
