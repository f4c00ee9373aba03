import Foundation
import Hummingbird
import JSON
import Prometheus
import Wire

/// How the fleet's ZeroMQ links are secured, for `/health` and `/metrics`.
struct LinkReport: Sendable {
    /// The keys; nil with `--insecure-links`.
    let keyring: FleetKeyring?
    /// For the control socket's count of impostors.
    let controller: FleetController

    /// What an operator should know about the links of the fleet's `records`.
    func warnings(_ records: [ProcessRegistry.Record]) -> [String] {
        guard let keyring else {
            return [
                "ZeroMQ links are insecure (--insecure-links): anyone who reaches an endpoint can act as any process"
            ]
        }
        let missing = records.map(\.id).filter { keyring.keys[$0] == nil }
        guard !missing.isEmpty else { return [] }
        return [
            "no key for \(missing.joined(separator: ", ")): issue one with `switchyard keys issue ID` on this host"
        ]
    }
}

/// `GET /health` and `GET /metrics` (contracts §5).
struct HealthRoutes: Sendable {
    let registry: ProcessRegistry
    let metrics: SupervisorMetrics
    let heartbeatTimeout: Duration
    let products: [(String, String)]
    let links: LinkReport

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                    // Everything the page needs is in it: nothing else may load, and it runs only its own script.
                    .contentSecurityPolicy:
                        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
                ],
                body: .init(byteBuffer: ByteBuffer(string: FleetPage.html)))
        }
        router.get("/health") { _, _ in
            let (healthy, body) = self.report()
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.render(self.registry, links: self.links))))
        }
    }

    /// Whether every process is up, ready and heartbeating, and the JSON report.
    func report() -> (Bool, [UInt8]) {
        let now = ContinuousClock.now
        // One snapshot: every figure of the report from the same moment.
        let fleet = registry.snapshot
        let records = fleet.records
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var healthy = true
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("processes")
        w.beginArray()
        for r in records {
            let age = r.lastHeartbeatAt.map { now - $0 }
            let fresh = age.map { $0 < heartbeatTimeout } ?? false
            let ok = r.state == .running && r.ready && fresh
            healthy = healthy && ok
            w.beginObject()
            w.key("id")
            w.value(r.id)
            w.key("role")
            w.value(r.role.description)
            w.key("host")
            w.value(r.host)
            w.key("pid")
            if let pid = r.pid { w.value(Int(pid)) } else { w.null() }
            w.key("state")
            w.value(r.state.rawValue)
            w.key("healthy")
            w.value(ok)
            w.key("ready")
            w.value(r.ready)
            w.key("partitions")
            w.beginArray()
            for p in r.partitions { w.value(Int(p)) }
            w.endArray()
            w.key("executable")
            if let path = r.runningExecutable { w.value(path) } else { w.null() }
            w.key("lastHeartbeat")
            if let t = r.lastHeartbeat { w.value(iso.string(from: t)) } else { w.null() }
            w.key("lastHeartbeatAgeMs")
            if let age { w.value(Int(age / .milliseconds(1))) } else { w.null() }
            w.key("restarts")
            w.value(r.restarts)
            w.key("quickExits")
            w.value(r.quickExits)
            w.key("lastExit")
            if let how = r.lastExit { w.value(how) } else { w.null() }
            w.key("lastError")
            if let line = r.lastError { w.value(line) } else { w.null() }
            w.key("processed")
            w.value(Double(r.processed))
            w.key("malformed")
            w.value(Double(r.malformed))
            w.key("dropped")
            w.value(Double(r.dropped))
            if r.role == .gateway {
                w.key("slowClientsClosed")
                w.value(Double(r.slowClientsClosed))
                for counter in EdgeCounter.gatewayCounters {
                    w.key(counter.name)
                    w.value(Double(r.edge[counter] ?? 0))
                }
            }
            if r.role == .worker {
                for counter in EdgeCounter.workerCounters {
                    w.key(counter.name)
                    w.value(Double(r.edge[counter] ?? 0))
                }
                w.key("leaving")
                w.value(r.leaving)
                w.key("heldPartitions")
                if let held = r.held {
                    w.beginArray()
                    for p in held { w.value(Int(p)) }
                    w.endArray()
                } else {
                    w.null()
                }
                w.key("commandEndpoint")
                w.value(r.commandEndpoint)
                w.key("publishEndpoint")
                w.value(r.publishEndpoint)
            }
            w.endObject()
        }
        w.endArray()
        let moves = fleet.moves
        w.key("moves")
        w.beginArray()
        for move in moves {
            w.beginObject()
            w.key("partition")
            w.value(Int(move.partition))
            w.key("from")
            w.value(move.from)
            w.key("to")
            w.value(move.to)
            w.key("ageMs")
            w.value(Int((now - move.startedAt) / .milliseconds(1)))
            w.endObject()
        }
        w.endArray()
        // Partitions whose new owner must first copy the file from the host that has it (another host).
        let map = fleet.map
        w.key("transfers")
        w.beginArray()
        for (partition, source) in map.transfers.sorted(by: { $0.key < $1.key }) {
            w.beginObject()
            w.key("partition")
            w.value(Int(partition))
            w.key("to")
            w.value(map.owner(of: partition)?.id ?? "")
            w.key("source")
            w.value(source)
            w.endObject()
        }
        w.endArray()
        w.key("roll")
        let roll = links.controller.roll
        if let roll { Self.write(roll, to: &w) } else { w.null() }
        w.key("rebalancePending")
        w.value(fleet.rebalancePending)
        w.key("epoch")
        w.value(Double(fleet.epoch))
        w.key("partitionCount")
        w.value(map.partitionCount)
        w.key("products")
        w.beginObject()
        for (name, url) in products {
            w.key(name)
            w.value(url)
        }
        w.endObject()
        w.key("links")
        w.beginObject()
        w.key("security")
        w.value(links.keyring == nil ? "insecure" : "curve")
        w.key("handshakesRefused")
        w.value(links.keyring?.authenticator.refused ?? 0)
        w.key("impostorMessages")
        w.value(links.controller.control?.impostorMessages ?? 0)
        w.endObject()
        w.key("warnings")
        w.beginArray()
        let rollWarning = roll?.failure.map { ["the last fleet roll stopped: \($0)"] } ?? []
        for warning in Self.warnings(records) + links.warnings(records) + rollWarning { w.value(warning) }
        w.endArray()
        w.key("status")
        w.value(healthy ? "healthy" : "unhealthy")
        w.endObject()
        return (healthy, w.bytes)
    }

    /// A roll as `/health` shows it: its executable, state, the processes replaced, being replaced and waiting.
    private static func write(_ roll: FleetRoll, to w: inout JSONWriter) {
        w.beginObject()
        w.key("executable")
        w.value(roll.executable)
        w.key("state")
        w.value(roll.failure != nil ? "failed" : roll.isFinished ? "finished" : "rolling")
        w.key("replaced")
        w.beginArray()
        for id in roll.done { w.value(id) }
        w.endArray()
        w.key("current")
        if let current = roll.current {
            w.beginObject()
            w.key("id")
            w.value(current.id)
            w.key("step")
            switch current.step {
            case .draining: w.value("moving its partitions away")
            case .restarting: w.value("restarting from the new executable")
            case .returning: w.value("taking its partitions back")
            case .settling: w.value("serving; pausing before the next gateway")
            }
            w.endObject()
        } else {
            w.null()
        }
        w.key("waiting")
        w.beginArray()
        for id in roll.pending { w.value(id) }
        w.endArray()
        w.key("reason")
        if let failure = roll.failure { w.value(failure) } else { w.null() }
        w.endObject()
    }

    /// Exits in a row, each soon after a start, from which a process is reported as failing.
    static let failingAfter = 3

    /// What an operator should fix: processes that keep dying soon after they start (with their last error), and
    /// lobby accounts that still accept their first-start passwords (as the gateways last found).
    static func warnings(_ records: [ProcessRegistry.Record]) -> [String] {
        var warnings: [String] = []
        // Until it serves again: a process that came back and is ready is no longer failing.
        for r in records where r.quickExits >= failingAfter && !(r.state == .running && r.ready) {
            warnings.append(
                "\(r.id) has exited \(r.quickExits) times in a row soon after starting (\(r.lastExit ?? "exited")); "
                    + "its restarts are delayed; its last error: \(r.lastError ?? "none written")")
        }
        let mask = records.filter { $0.role == .gateway }.reduce(UInt64(0)) {
            $0 | ($1.edge[.defaultPasswordAccounts] ?? 0)
        }
        let accounts = EdgeCounter.firstStartAccounts(in: mask)
        if !accounts.isEmpty {
            warnings.append(
                "lobby accounts \(accounts.joined(separator: " and ")) still accept their first-start passwords; change them with `switchyard lobby-user`"
            )
        }
        return warnings
    }
}
