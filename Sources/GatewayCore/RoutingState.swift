import Wire

/// The gateway's routing decisions without any I/O: which command goes to which worker link and when, in what
/// order, and what replies, refusals, link changes and deadlines do to it. Time is an input, so every rule is
/// unit-tested without sleeping; `FleetClient` performs the returned actions.
///
/// Order: commands for one partition leave in submission (correlation) order. A command waiting for a route, or
/// put back after a refusal or a lost link, waits in its partition's queue, sorted by correlation, and nothing
/// newer for that partition overtakes it.
struct RoutingState<Socket: Hashable & Sendable> {
    typealias Instant = ContinuousClock.Instant
    typealias Completion = FleetClient.Completion

    /// Timers of the routing rules.
    struct Timing: Sendable {
        /// A ready link with commands in flight that has not been heard from for this long is declared lost.
        var linkTimeout: Duration = .seconds(5)
        /// Ping period of a link whose reply path is not proven yet.
        var probeInterval: Duration = .milliseconds(100)
        /// Ping period of a ready link, so silence means trouble.
        var keepAliveInterval: Duration = .seconds(1)
        /// Pause of a partition after a `notOwner` refusal (the map is about to change).
        var refusalBackoff: Duration = .milliseconds(20)
        /// Pause of a partition after a `failed` reply.
        var failureBackoff: Duration = .milliseconds(100)
    }

    /// One request as submitted.
    typealias Request = RoutingRequest

    /// What the caller must do.
    enum Action {
        /// Send these frames on this socket.
        case send(Socket, [[UInt8]])
        /// Call this completion.
        case complete(Completion, Result<[UInt8], FleetRequestError>)
    }

    private typealias Pending = RoutingPending

    private struct Link {
        var commandEndpoint: String
        var publishEndpoint: String
        var socket: Socket
        var ready = false
        var lastPing: Instant?
        var lastHeard: Instant
    }

    let origin: String
    let timing: Timing
    private var map: PartitionMap?
    private var owners: [Int?] = []
    private var links: [String: Link] = [:]
    private var pending: [UInt64: Pending] = [:]
    private var queues: [UInt16: [UInt64]] = [:]
    /// Submitted before any map arrived (the partition count is unknown), in order.
    private var unrouted: [UInt64] = []
    private var pausedUntil: [UInt16: Instant] = [:]
    private var nextCorrelation: UInt64
    private var ticks: UInt64 = 0

    init(origin: String, timing: Timing = Timing(), firstCorrelation: UInt64) {
        self.origin = origin
        self.timing = timing
        self.nextCorrelation = firstCorrelation
    }

    /// Commands waiting for a reply or a route.
    var pendingCount: Int { pending.count }

    /// The partition count of the adopted map.
    var partitionCount: Int? { map?.partitionCount }

    /// Whether every partition has an owner whose link is ready.
    var isReady: Bool {
        guard let map, !owners.isEmpty else { return false }
        return owners.allSatisfy { owner in owner.map { links[map.workers[$0].id]?.ready ?? false } ?? false }
    }

    /// Each worker's current link, to decide which sockets to keep when a map arrives.
    var currentLinks: [String: (commandEndpoint: String, publishEndpoint: String, socket: Socket)] {
        links.mapValues { ($0.commandEndpoint, $0.publishEndpoint, $0.socket) }
    }

    // MARK: Events

    /// A new request.
    /// The partition a request goes to: the one it names, or its key's.
    static func partition(of request: Request, count: Int) -> UInt16 {
        if let p = request.partition { return UInt16(Int(p) % max(count, 1)) }
        return Partitioner.partition(of: request.key, count: count)
    }

    mutating func submit(_ request: Request, now: Instant) -> [Action] {
        let correlation = nextCorrelation
        nextCorrelation &+= 1
        var entry = Pending(request: request)
        guard let map else {
            pending[correlation] = entry
            unrouted.append(correlation)
            return []
        }
        let partition = Self.partition(of: request, count: map.partitionCount)
        entry.partition = partition
        pending[correlation] = entry
        queues[partition, default: []].append(correlation)
        return flush(partition, now: now)
    }

    /// A new map with the socket chosen for each reachable worker (the old one if its endpoints did not change).
    /// Returns the actions and the sockets to close.
    mutating func adopt(
        _ newMap: PartitionMap, sockets: [String: (commandEndpoint: String, publishEndpoint: String, socket: Socket)],
        now: Instant
    ) -> (actions: [Action], closed: [Socket]) {
        var actions: [Action] = []
        var closed: [Socket] = []
        var lost: Set<String> = []
        var next: [String: Link] = [:]
        for (id, s) in sockets {
            if let old = links[id], old.socket == s.socket {
                next[id] = old
            } else {
                next[id] = Link(
                    commandEndpoint: s.commandEndpoint, publishEndpoint: s.publishEndpoint, socket: s.socket,
                    lastHeard: now)
            }
        }
        for (id, old) in links where next[id]?.socket != old.socket {
            closed.append(old.socket)
            lost.insert(id)
        }
        map = newMap
        owners = newMap.ownerTable()
        links = next
        if !unrouted.isEmpty {
            for correlation in unrouted {
                guard pending[correlation] != nil else { continue }
                let p = Self.partition(of: pending[correlation]!.request, count: newMap.partitionCount)
                pending[correlation]!.partition = p
                insertSorted(correlation, into: p)
            }
            unrouted = []
        }
        actions += takeBack(from: lost)
        actions += flushAll(now: now)
        return (actions, closed)
    }

    /// A message from a worker's PUB (reply or pong).
    mutating func received(_ message: WireMessage, now: Instant) -> [Action] {
        let envelope = message.envelope
        if links[envelope.origin] != nil { links[envelope.origin]!.lastHeard = now }
        switch envelope.kind {
        case .pong:
            guard let link = links[envelope.origin], !link.ready else { return [] }
            links[envelope.origin]!.ready = true
            return flushAll(now: now)
        case .reply:
            guard let entry = pending[envelope.correlation], entry.sentTo != nil, let p = entry.partition else {
                return []  // late: already answered, expired or taken back
            }
            switch envelope.status {
            case .ok:
                pending[envelope.correlation] = nil
                return [.complete(entry.request.completion, .success(message.body))]
            case .notOwner:
                // Nothing was applied: safe to send again for every kind of command.
                requeue(envelope.correlation, partition: p)
                pausedUntil[p] = now.advanced(by: timing.refusalBackoff)
                return []
            case .failed where entry.request.idempotent:
                requeue(envelope.correlation, partition: p)
                pausedUntil[p] = now.advanced(by: timing.failureBackoff)
                return []
            case .failed:
                pending[envelope.correlation] = nil
                return [.complete(entry.request.completion, .failure(FleetRequestError(.failed)))]
            case .malformed:
                pending[envelope.correlation] = nil
                return [.complete(entry.request.completion, .failure(FleetRequestError(.malformed)))]
            }
        default:
            return []
        }
    }

    /// The periodic timer (every ~10 ms): pings, paused partitions, and every tenth call deadlines and lost links.
    mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        for (id, link) in links {
            let interval = link.ready ? timing.keepAliveInterval : timing.probeInterval
            if let last = link.lastPing, now - last < interval { continue }
            links[id]!.lastPing = now
            let ping = Envelope(kind: .ping, epoch: map?.epoch ?? 0, origin: origin)
            actions.append(.send(link.socket, WireMessage(ping).frames))
        }
        for (p, until) in pausedUntil where until <= now {
            pausedUntil[p] = nil
            actions += flush(p, now: now)
        }
        ticks &+= 1
        guard ticks % 10 == 0 else { return actions }
        var silent: Set<String> = []
        for (correlation, entry) in pending {
            if entry.request.deadline <= now {
                pending[correlation] = nil
                actions.append(.complete(entry.request.completion, .failure(FleetRequestError(.timeout))))
            } else if let to = entry.sentTo, let sentAt = entry.sentAt, now - sentAt >= timing.linkTimeout,
                let link = links[to], now - link.lastHeard >= timing.linkTimeout
            {
                silent.insert(to)
            }
        }
        // A link that answers nothing, not even pings, is treated like a lost one until a pong proves it again.
        for id in silent {
            links[id]!.ready = false
            links[id]!.lastPing = nil
        }
        actions += takeBack(from: silent)
        actions += flushAll(now: now)
        return actions
    }

    /// Fails every request (shutdown).
    mutating func failAll(_ error: FleetRequestError) -> [Action] {
        let all = pending.values.map { Action.complete($0.request.completion, .failure(error)) }
        pending = [:]
        queues = [:]
        unrouted = []
        return all
    }

    // MARK: Internals

    /// Commands in flight to lost links: idempotent ones go back to their queues, others fail (outcome unknown).
    private mutating func takeBack(from lost: Set<String>) -> [Action] {
        guard !lost.isEmpty else { return [] }
        var actions: [Action] = []
        for (correlation, entry) in pending {
            guard let to = entry.sentTo, lost.contains(to), let p = entry.partition else { continue }
            if entry.request.idempotent {
                requeue(correlation, partition: p)
            } else {
                pending[correlation] = nil
                actions.append(.complete(entry.request.completion, .failure(FleetRequestError(.lost))))
            }
        }
        return actions
    }

    private mutating func requeue(_ correlation: UInt64, partition p: UInt16) {
        guard pending[correlation]?.sentTo != nil else { return }  // already queued
        pending[correlation]!.sentTo = nil
        pending[correlation]!.sentAt = nil
        insertSorted(correlation, into: p)
    }

    private mutating func insertSorted(_ correlation: UInt64, into p: UInt16) {
        var queue = queues[p] ?? []
        var low = 0
        var high = queue.count
        while low < high {
            let mid = (low + high) / 2
            if queue[mid] < correlation { low = mid + 1 } else { high = mid }
        }
        queue.insert(correlation, at: low)
        queues[p] = queue
    }

    private mutating func flushAll(now: Instant) -> [Action] {
        var actions: [Action] = []
        for p in Array(queues.keys) { actions += flush(p, now: now) }
        return actions
    }

    /// Sends queued commands of partition `p`, oldest first, while its owner's link is ready.
    private mutating func flush(_ p: UInt16, now: Instant) -> [Action] {
        guard var queue = queues[p], !queue.isEmpty, let map else { return [] }
        if let until = pausedUntil[p], until > now { return [] }
        guard Int(p) < owners.count, let owner = owners[Int(p)] else { return [] }
        let workerID = map.workers[owner].id
        guard let link = links[workerID], link.ready else { return [] }
        var actions: [Action] = []
        for correlation in queue {
            guard let entry = pending[correlation] else { continue }
            let envelope = Envelope(
                kind: .command, product: entry.request.product, partition: p, epoch: map.epoch,
                correlation: correlation, origin: origin)
            actions.append(.send(link.socket, WireMessage(envelope, body: entry.request.body).frames))
            pending[correlation]!.sentTo = workerID
            pending[correlation]!.sentAt = now
        }
        queue.removeAll()
        queues[p] = nil
        return actions
    }
}

/// One request as submitted to `RoutingState`.
///
/// Declared outside the generic `RoutingState` on purpose: nested there it would be generic too, and every copy
/// and destruction inside the pending table would look up its metadata at run time (run-time metadata lookups
/// were about 7 % of the gateway's CPU under load, these the largest share).
struct RoutingRequest {
    var product: ProductCode
    var key: String
    /// A partition named directly (a command for every partition), instead of the key's.
    var partition: UInt16? = nil
    var body: [UInt8]
    var idempotent: Bool
    var deadline: ContinuousClock.Instant
    var completion: FleetClient.Completion
}

/// A request waiting for its reply or its route (outside `RoutingState` for the reason given on `RoutingRequest`).
struct RoutingPending {
    var request: RoutingRequest
    var partition: UInt16?
    /// The worker it was last sent to; nil while queued.
    var sentTo: String?
    var sentAt: ContinuousClock.Instant?
}
