import Testing
import Wire

@testable import Supervisor

@Suite struct MetricsHistogramTests {
    @Test func boundsAndSumsAreWrittenAsExactDecimals() {
        #expect(SupervisorMetrics.decimal(25_000, places: 6) == "0.025")
        #expect(SupervisorMetrics.decimal(50, places: 6) == "0.00005")
        #expect(SupervisorMetrics.decimal(10_000_000, places: 6) == "10")
        #expect(SupervisorMetrics.decimal(2_500_000, places: 6) == "2.5")
        #expect(SupervisorMetrics.decimal(0, places: 6) == "0")
        #expect(SupervisorMetrics.decimal(4096, places: 0) == "4096")
    }

    @Test func labelValuesAreEscaped() {
        #expect(SupervisorMetrics.escaped("w1") == "w1")
        #expect(SupervisorMetrics.escaped("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }

    @Test func aProcessHistogramIsWrittenCumulativeWithItsLabels() throws {
        let registry = FailingProcessTests().registry()
        var worker = try #require(registry.records.first { $0.id == "w1" })
        var buckets = Array(repeating: UInt64(0), count: Measure.transactionCommands.bucketCount)
        buckets[0] = 3
        buckets[2] = 1
        buckets[buckets.count - 1] = 2
        worker.histograms[MeasureKey(.transactionCommands)] = HistogramCounts(buckets: buckets, sum: 20_007)
        let text = String(decoding: SupervisorMetrics.histograms(of: [worker]), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        let name = "switchyard_worker_transaction_commands"
        #expect(lines.contains("# TYPE \(name) histogram"))
        #expect(lines.contains("\(name)_bucket{id=\"w1\",role=\"worker\",le=\"1\"} 3"))
        #expect(lines.contains("\(name)_bucket{id=\"w1\",role=\"worker\",le=\"2\"} 3"))
        #expect(lines.contains("\(name)_bucket{id=\"w1\",role=\"worker\",le=\"4\"} 4"))
        #expect(lines.contains("\(name)_bucket{id=\"w1\",role=\"worker\",le=\"4096\"} 4"))
        #expect(lines.contains("\(name)_bucket{id=\"w1\",role=\"worker\",le=\"+Inf\"} 6"))
        #expect(lines.contains("\(name)_sum{id=\"w1\",role=\"worker\"} 20007"))
        #expect(lines.contains("\(name)_count{id=\"w1\",role=\"worker\"} 6"))
        // A worker's measure it has not observed yet is written at zero; no gateway family without a gateway.
        #expect(lines.contains("switchyard_worker_sync_duration_seconds_count{id=\"w1\",role=\"worker\"} 0"))
        #expect(!text.contains("switchyard_gateway_request_duration_seconds"))
    }
}
