import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import JSON
import Logging
import Presence
import ServiceLifecycle
import SocketIO
import Synchronization

/// The Socket.IO endpoint (`/socket.io/`) of the presence port: runs each client's `SocketIOServerSession` (the
/// pure Engine.IO + Socket.IO state machines of the SocketIO module) over Hummingbird's HTTP long-polling requests
/// and WebSockets, and connects the sessions to presence: `user-ping` events become pings, and every connected
/// client receives the hub's broadcasts.
///
/// Every session lives in one table under one lock; each input runs the session's state machine and carries out
/// its transport actions while the lock is held (frames are queued to the WebSocket's writer task, held polls are
/// resumed), so a session's output keeps the order the state machine decided. Application work (pings, listener
/// registration) runs after the lock is released.
final class SocketIOServer: Service, Sendable {
    /// A WebSocket's writer queue: frames in order, then an optional close.
    private enum Outgoing: Sendable {
        case frame(EngineIOFrame)
        case close(UInt16)

        /// Payload bytes, for the writer queue's byte bound.
        var byteCount: Int {
            switch self {
            case .frame(.text(let text)): text.utf8.count
            case .frame(.binary(let bytes)): bytes.count
            case .close: 0
            }
        }
    }

    /// A WebSocket's queue of frames not yet written, bounded: a client that stops reading would otherwise hold
    /// every broadcast (a copy of the whole list each) until the Engine.IO heartbeat dropped it.
    private typealias Writer = BoundedOutbox<Outgoing>

    private struct Entry {
        var session: SocketIOServerSession
        var heldPoll: CheckedContinuation<EngineIOHTTPResponse, Never>?
        var webSockets: [Int: Writer] = [:]
        var listener: UInt64?
    }

    /// Work for the application, done outside the lock.
    private enum AppWork {
        case connected(sessionID: String)
        case event(SocketIOEvent)
        case disconnected(listener: UInt64?)
    }

    private struct State {
        var sessions: [String: Entry] = [:]
        var nextWebSocket = 0
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
    /// The client limits (each WebSocket's message rate).
    let edge: EdgeLimits
    /// Where queued bytes are added up gateway-wide.
    let policy: EdgePolicy?

    init(
        fleet: FleetClient, hub: PresenceHub, engine: EngineIOConfiguration, maxQueuedFrames: Int, maxQueuedBytes: Int,
        edge: EdgeLimits = EdgeLimits(), policy: EdgePolicy? = nil, logger: Logger
    ) {
        self.edge = edge
        self.policy = policy
        self.maxQueuedBytes = maxQueuedBytes
        self.fleet = fleet
        self.hub = hub
        self.engine = engine
        self.maxQueuedFrames = maxQueuedFrames
        self.logger = logger
    }

    /// The largest WebSocket message accepted (Engine.IO's `maxPayload`).
    var maxPayload: Int { engine.maxPayload }

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
            let work = state.withLock { state in
                state.sessions[id] = Entry(session: session)
                return carryOut(actions, for: id, in: &state) { answer = $0 }
            }
            runApp(work, sessionID: id)
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
            let work = state.withLock { state -> [AppWork] in
                guard var entry = state.sessions[id] else { return [] }
                let actions = entry.session.handlePollPOST(
                    body: Array(body.readableBytesView), contentType: contentType, at: now)
                state.sessions[id] = entry
                return carryOut(actions, for: id, in: &state) { answer = $0 }
            }
            runApp(work, sessionID: id)
            if answer?.status == 413 { fleet.counters.add(.payloadRefused) }
            return Self.response(answer ?? EngineIORequestError(.sessionIDUnknown).response)
        }
    }

    /// A polling GET: answered at once, or held until the session has something to send.
    private func poll(_ id: String, at now: ContinuousClock.Instant) async -> EngineIOHTTPResponse {
        var work: [AppWork] = []
        let response = await withCheckedContinuation {
            (continuation: CheckedContinuation<EngineIOHTTPResponse, Never>) in
            work = state.withLock { state in
                guard var entry = state.sessions[id] else {
                    continuation.resume(returning: EngineIORequestError(.sessionIDUnknown).response)
                    return []
                }
                let actions = entry.session.handlePollGET(at: now)
                state.sessions[id] = entry
                var answered = false
                let work = carryOut(actions, for: id, in: &state, holding: continuation) { answer in
                    answered = true
                    continuation.resume(returning: answer)
                }
                if !answered, state.sessions[id]?.heldPoll == nil {
                    // Neither answered nor held (the session ended in this call).
                    continuation.resume(returning: EngineIORequestError(.sessionIDUnknown).response)
                }
                return work
            }
        }
        runApp(work, sessionID: id)
        return response
    }

    // MARK: - WebSocket

    /// Decides whether a WebSocket upgrade request is one this endpoint takes: a WebSocket handshake or an upgrade
    /// of a live polling session. Anything else is left to the HTTP router, which answers the reference server's
    /// 400.
    func shouldUpgrade(_ request: HTTPRequest) -> Bool {
        guard let path = request.path, Self.isSocketIOPath(path) else { return false }
        let description = EngineIORequest(
            method: .get, query: Self.query(Self.queryString(path)), isWebSocketUpgrade: true,
            origin: request.headerFields[.origin])
        switch description.route(sessionTransport: transport(of:)) {
        case .handshake(.websocket), .upgrade: return true
        default: return false
        }
    }

    /// Runs one WebSocket: a handshake without `sid`, or the upgrade of session `sid`.
    func handleWebSocket(
        path: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        let sid = Self.query(Self.queryString(path))["sid"].flatMap { $0.isEmpty ? nil : $0 }
        let counters = fleet.counters
        let writer = Writer(
            maxMessages: maxQueuedFrames, maxBytes: maxQueuedBytes, size: \.byteCount, overflow: .close(1008),
            accounting: policy, onOverflow: { counters.addSlowClientClosed() })
        let now = clock.now
        let (id, webSocket, work): (String?, Int, [AppWork]) = state.withLock { state in
            state.nextWebSocket += 1
            let webSocket = state.nextWebSocket
            if let sid {
                guard var entry = state.sessions[sid] else { return (nil, webSocket, []) }
                entry.webSockets[webSocket] = writer
                let actions = entry.session.webSocketOpened(webSocket, at: now)
                state.sessions[sid] = entry
                return (sid, webSocket, carryOut(actions, for: sid, in: &state) { _ in })
            }
            let id = Self.newID()
            let (session, actions) = SocketIOServerSession.handshake(
                id: id, transport: .webSocket(webSocket), engine: engine, at: now)
            state.sessions[id] = Entry(session: session, webSockets: [webSocket: writer])
            return (id, webSocket, carryOut(actions, for: id, in: &state) { _ in })
        }
        guard let id else {
            try await outbound.close(.init(codeNumber: 1002), reason: "Session ID unknown")
            return
        }
        runApp(work, sessionID: id)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // One writer per WebSocket keeps frames in the order the session produced them.
                for await item in writer.items {
                    switch item {
                    case .frame(.text(let text)):
                        try await outbound.write(.text(text))
                        writer.written(item)
                    case .frame(.binary(let bytes)):
                        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                        writer.written(item)
                    case .close(let code):
                        try await outbound.close(.init(codeNumber: Int(code)), reason: nil)
                        return
                    }
                }
            }
            // A frame the WebSocket stack refuses ends the read with the close code it calls for (1007, 1009, 1002);
            // rethrown after the clean-up so the client gets that code, not 1000.
            var readError: (any Error)?
            var pacer = edge.pacer(counting: fleet.counters)
            do {
                for try await message in inbound.messages(maxSize: engine.maxPayload) {
                    try await pacer.pace()
                    let frame: EngineIOFrame
                    switch message {
                    case .text(let text): frame = .text(text)
                    case .binary(let buffer): frame = .binary(Array(buffer.readableBytesView))
                    }
                    let now = clock.now
                    perform(id) { $0.webSocketFrame(frame, from: webSocket, at: now) }
                }
            } catch {
                logger.debug("socket.io websocket ended", metadata: ["error": "\(error)"])
                readError = error
            }
            let end = clock.now
            perform(id) { $0.webSocketClosed(webSocket, at: end) }
            state.withLock { _ = $0.sessions[id]?.webSockets.removeValue(forKey: webSocket) }
            writer.finish()
            try? await group.waitForAll()
            if let readError { throw readError }
        }
    }

    // MARK: - Running the state machine

    /// Runs `input` on session `id` and carries out its actions.
    private func perform(_ id: String, _ input: (inout SocketIOServerSession) -> [SocketIOServerSession.Action]) {
        let work = state.withLock { state -> [AppWork] in
            guard var entry = state.sessions[id] else { return [] }
            let actions = input(&entry.session)
            state.sessions[id] = entry
            return carryOut(actions, for: id, in: &state) { _ in }
        }
        runApp(work, sessionID: id)
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

    /// Carries out transport actions under the lock; returns the application's work. `respond` gets the answer to
    /// the request of this call; `holding` is the poll to keep if the session says so.
    private func carryOut(
        _ actions: [SocketIOServerSession.Action], for id: String, in state: inout State,
        holding poll: CheckedContinuation<EngineIOHTTPResponse, Never>? = nil,
        respond: (EngineIOHTTPResponse) -> Void
    ) -> [AppWork] {
        var work: [AppWork] = []
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
                work.append(.connected(sessionID: id))
            case .event(let event):
                work.append(.event(event))
            case .disconnected:
                work.append(.disconnected(listener: state.sessions[id]?.listener))
                state.sessions[id]?.listener = nil
            case .closed(let reason):
                // The Engine.IO heartbeat is these clients' liveness check: its timeouts count with the guard's.
                if reason == .pingTimeout { fleet.counters.add(.pingTimeout) }
                if let entry = state.sessions.removeValue(forKey: id) {
                    // A poll still held when the session ends gets the close packet's answer from the session
                    // itself; resume any leftover so no request hangs.
                    entry.heldPoll?.resume(returning: .packets([.close]))
                    for writer in entry.webSockets.values { writer.finish() }
                    if let listener = entry.listener { work.append(.disconnected(listener: listener)) }
                }
            }
        }
        return work
    }

    // MARK: - Presence

    private func runApp(_ work: [AppWork], sessionID id: String) {
        for item in work {
            switch item {
            case .connected:
                // The listener is called at once with the current state: a client gets both events on connect.
                let listener = hub.addListener { [weak self] list, count in
                    self?.broadcast(to: id, list: list, count: count)
                }
                let stale = state.withLock { state -> Bool in
                    guard state.sessions[id] != nil else { return true }
                    state.sessions[id]?.listener = listener
                    return false
                }
                if stale { hub.removeListener(listener) }
            case .event(let event):
                ping(event)
            case .disconnected(let listener):
                if let listener { hub.removeListener(listener) }
            }
        }
    }

    private func broadcast(to id: String, list: String, count: String) {
        let now = clock.now
        perform(id) { session in
            session.emit(encoded: "2[\"online-users-list\",\(list)]", at: now)
                + session.emit(encoded: "2[\"online-users-count\",\(count)]", at: now)
        }
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
