import CoreMetrics
import Prometheus
import Synchronization
import Wire

/// The supervisor's Prometheus registry: fleet figures refreshed from the registry at each scrape.
final class SupervisorMetrics: Sendable {
    private let prometheus = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    init() {
        factory = PrometheusMetricsFactory(registry: prometheus)
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return gauges.withLock { gauges in
            if let g = gauges[key] { return g }
            let g = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = g
            return g
        }
    }

    /// The `id` dimension of a gauge key (`label|id=w1|role=worker`).
    private static func id(in key: String) -> String? {
        key.split(separator: "|").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
    }

    /// Prometheus text for the current state.
    func render(_ registry: ProcessRegistry, links: LinkReport) -> [UInt8] {
        // A removed worker's series go away with it.
        let ids = Set(registry.records.map(\.id)).union(["supervisor"])
        gauges.withLock { gauges in
            for (key, gauge) in gauges {
                guard let id = Self.id(in: key), !ids.contains(id) else { continue }
                gauge.destroy()
                gauges[key] = nil
            }
        }
        for r in registry.records {
            let dims = [("id", r.id), ("role", r.role.description)]
            gauge("switchyard_process_up", dims).record(r.state == .running ? 1 : 0)
            gauge("switchyard_process_ready", dims).record(r.ready ? 1 : 0)
            gauge("switchyard_process_restarts", dims).record(r.restarts)
            gauge("switchyard_process_processed", dims).record(Double(r.processed))
            gauge("switchyard_wire_malformed_dropped", dims).record(Double(r.malformed))
            gauge("switchyard_process_partitions", dims).record(r.partitions.count)
            gauge("switchyard_zmq_outbound_dropped", dims).record(Double(r.dropped))
            gauge("switchyard_slow_clients_closed", dims).record(Double(r.slowClientsClosed))
            if r.role == .gateway {
                for counter in EdgeCounter.allCases {
                    gauge(counter.metricName, dims).record(Double(r.edge[counter] ?? 0))
                }
            } else {
                for counter in EdgeCounter.workerCounters {
                    gauge(counter.metricName, dims).record(Double(r.edge[counter] ?? 0))
                }
            }
        }
        let supervisor = [("id", "supervisor"), ("role", "supervisor")]
        gauge("switchyard_wire_malformed_dropped", supervisor).record(Double(registry.malformed))
        gauge(EdgeCounter.linkRefused.metricName, supervisor).record(links.keyring?.authenticator.refused ?? 0)
        gauge("switchyard_link_impostor_messages", supervisor).record(links.controller.control?.impostorMessages ?? 0)
        gauge("switchyard_links_secure", []).record(links.keyring == nil ? 0 : 1)
        gauge("switchyard_partition_map_epoch", []).record(Double(registry.epoch))
        gauge("switchyard_partition_moves_in_flight", []).record(registry.moves.count)
        let (finished, last) = registry.moveStatistics
        gauge("switchyard_partition_moves_finished", []).record(finished)
        if let last {
            gauge("switchyard_partition_move_last_seconds", []).record(Double(last / .microseconds(1)) / 1e6)
        }
        return prometheus.emitToBuffer()
    }
}
