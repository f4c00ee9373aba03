import Prometheus
import Synchronization
import Wire

/// The supervisor's `/metrics` (docs/operations.md, "Metrics"): the fleet's figures in the Prometheus text format,
/// refreshed at each scrape from the registry and the processes' heartbeats. Counts are counters named `…_total`,
/// states are gauges, durations are histograms in seconds, and every family has its HELP text.
final class SupervisorMetrics: Sendable {
    private struct Series {
        var gauges: [String: Gauge] = [:]
        /// Each counter with the total it shows; a total that went down (its process restarted) starts a new series.
        var counters: [String: (counter: Counter, total: Int64)] = [:]
    }

    private let prometheus = PrometheusCollectorRegistry()
    private let series = Mutex(Series())
    private let moveDurations: DurationHistogram

    init() {
        moveDurations = prometheus.makeDurationHistogram(
            name: "switchyard_partition_move_duration_seconds",
            buckets: [
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
                .seconds(10), .seconds(30), .seconds(60),
            ],
            help: "Time from a partition move's planning until its new owner serves it.")
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        name + labels.map { "|\($0.0)=\($0.1)" }.joined()
    }

    /// Sets gauge `name` (labels `labels`) to `value`.
    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
        let key = Self.key(name, labels)
        series.withLock { series in
            let gauge = series.gauges[key] ?? prometheus.makeGauge(name: name, labels: labels, help: help)
            series.gauges[key] = gauge
            gauge.set(value)
        }
    }

    /// Shows counter `name` (labels `labels`) at `total`, a count its process keeps since it started.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ total: UInt64) {
        let key = Self.key(name, labels)
        let total = Int64(clamping: total)
        series.withLock { series in
            if let (counter, shown) = series.counters[key], total >= shown {
                counter.increment(by: total - shown)
                series.counters[key] = (counter, total)
                return
            }
            if let (old, _) = series.counters[key] { prometheus.unregisterCounter(old) }
            let counter = prometheus.makeCounter(name: name, labels: labels, help: help)
            counter.increment(by: total)
            series.counters[key] = (counter, total)
        }
    }

    /// Forgets the series of processes that are gone (a removed worker's series go away with it).
    private func forgetAllBut(_ ids: Set<String>) {
        func id(in key: String) -> String? {
            key.split(separator: "|").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
        }
        series.withLock { series in
            for (key, gauge) in series.gauges where id(in: key).map({ !ids.contains($0) }) == true {
                prometheus.unregisterGauge(gauge)
                series.gauges[key] = nil
            }
            for (key, entry) in series.counters where id(in: key).map({ !ids.contains($0) }) == true {
                prometheus.unregisterCounter(entry.counter)
                series.counters[key] = nil
            }
        }
    }

    /// Prometheus text for the current state.
    func render(_ registry: ProcessRegistry, links: LinkReport) -> [UInt8] {
        let moveDurations = registry.takeMoveDurations()
        let fleet = registry.snapshot
        let records = fleet.records
        forgetAllBut(Set(records.map(\.id)).union(["supervisor"]))
        for r in records {
            let labels = [("id", r.id), ("role", r.role.description)]
            gauge(
                "switchyard_process_up", "1 while the process has said hello and not exited.", labels,
                r.state == .running ? 1 : 0)
            gauge(
                "switchyard_process_ready", "1 while the process's heartbeat says it serves.", labels, r.ready ? 1 : 0)
            gauge(
                "switchyard_process_partitions", "Partitions the process owns (workers).", labels,
                Double(r.partitions.count))
            gauge(
                "switchyard_process_quick_exits",
                "Exits in a row soon after a start (0 after a run that lasted); 3 or more is a warning in /health.",
                labels, Double(r.quickExits))
            counter(
                "switchyard_process_restarts_total", "Restarts of the process by the supervisor.", labels,
                UInt64(max(r.restarts, 0)))
            counter(
                "switchyard_processed_total", "Commands (workers) or requests and messages (gateways) processed.",
                labels, r.processed)
            counter(
                "switchyard_wire_malformed_dropped_total", "Inter-process messages dropped as malformed.", labels,
                r.malformed)
            counter(
                "switchyard_zmq_outbound_dropped_total",
                "Outbound ZeroMQ messages dropped (queue over its limit, unroutable, or unsent at shutdown).", labels,
                r.dropped)
            if r.role == .gateway {
                counter(
                    "switchyard_slow_clients_closed_total",
                    "Client connections closed because their outgoing queue passed its limit.", labels,
                    r.slowClientsClosed)
            }
            for edge in r.role == .gateway ? EdgeCounter.gatewayCounters : EdgeCounter.workerCounters {
                let value = r.edge[edge] ?? 0
                let labels = labels + (edge.product.map { [("product", $0.name)] } ?? [])
                if edge.isState {
                    gauge(edge.metricName, edge.help, labels, Double(value))
                } else {
                    counter(edge.metricName + "_total", edge.help, labels, value)
                }
            }
        }
        let supervisor = [("id", "supervisor"), ("role", "supervisor")]
        counter(
            "switchyard_wire_malformed_dropped_total", "Inter-process messages dropped as malformed.", supervisor,
            fleet.malformed)
        counter(
            EdgeCounter.linkRefused.metricName + "_total", EdgeCounter.linkRefused.help, supervisor,
            UInt64(links.keyring?.authenticator.refused ?? 0))
        counter(
            "switchyard_link_impostor_messages_total",
            "Control messages from a fleet key that spoke for another process.", supervisor,
            UInt64(links.controller.control?.impostorMessages ?? 0))
        gauge(
            "switchyard_links_secure", "1 when the fleet's ZeroMQ links use CURVE, 0 with --insecure-links.", [],
            links.keyring == nil ? 0 : 1)
        gauge("switchyard_partition_map_epoch", "The partition map's epoch.", [], Double(fleet.epoch))
        gauge(
            "switchyard_partition_moves_in_flight", "Partitions on their way between two workers.", [],
            Double(fleet.moves.count))
        counter(
            "switchyard_partition_moves_finished_total", "Partition moves finished since the supervisor started.",
            [], UInt64(fleet.moveStatistics.finished))
        if let last = fleet.moveStatistics.last {
            gauge(
                "switchyard_partition_move_last_seconds", "How long the last partition move took, planned to granted.",
                [], Double(last / .microseconds(1)) / 1e6)
        }
        for duration in moveDurations { self.moveDurations.record(duration) }
        var text = prometheus.emitToBuffer()
        text += Self.histograms(of: records)
        return text
    }

    /// The processes' histograms in the text format. swift-prometheus records values one at a time and has no
    /// way to show buckets another process counted, so these families are written here: every process's
    /// histograms of a measure under one family, cumulative buckets with `le`, then `_sum` and `_count`.
    static func histograms(of records: [ProcessRegistry.Record]) -> [UInt8] {
        var text = ""
        for measure in Measure.allCases {
            let role: ProcessRole = measure.isWorkers ? .worker : .gateway
            let shown = records.filter { $0.role == role }
            guard !shown.isEmpty else { continue }
            text += "# HELP \(measure.metricName) \(measure.help)\n# TYPE \(measure.metricName) histogram\n"
            let base = measure.metricName
            for r in shown {
                let products: [ProductCode?] = measure.isPerProduct ? ProductCode.clientProducts : [nil]
                for product in products {
                    var labels = "id=\"\(Self.escaped(r.id))\",role=\"\(r.role)\""
                    if let product { labels += ",product=\"\(product.name)\"" }
                    let key = MeasureKey(measure, product: product)
                    let counts =
                        r.histograms[key]
                        ?? HistogramCounts(
                            buckets: Array(repeating: 0, count: measure.bucketCount), sum: 0)
                    var cumulative: UInt64 = 0
                    for (index, bucket) in counts.buckets.enumerated() {
                        cumulative &+= bucket
                        let le =
                            index < measure.bounds.count
                            ? Self.decimal(measure.bounds[index], places: measure.unitDecimals) : "+Inf"
                        text += "\(base)_bucket{\(labels),le=\"\(le)\"} \(cumulative)\n"
                    }
                    text += "\(base)_sum{\(labels)} \(Self.decimal(counts.sum, places: measure.unitDecimals))\n"
                    text += "\(base)_count{\(labels)} \(cumulative)\n"
                }
            }
        }
        return Array(text.utf8)
    }

    /// A label value as the text format wants it: backslash, double quote and newline escaped.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// `value` divided by 10^`places`, written exactly (`25000`, 6 → `0.025`), so a bucket's `le` reads as its
    /// bound rather than as the nearest binary fraction.
    static func decimal(_ value: UInt64, places: Int) -> String {
        guard places > 0 else { return String(value) }
        let digits = String(value)
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let whole = padded.dropLast(places)
        let fraction = padded.suffix(places).reversed().drop { $0 == "0" }.reversed()
        return fraction.isEmpty ? String(whole) : "\(whole).\(String(fraction))"
    }
}
