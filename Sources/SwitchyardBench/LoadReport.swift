/// The text `switchyard-bench load` prints: a human block, then one `result key=value …` line for scripts.
struct LoadReport: Sendable {
    /// The run to describe.
    let result: LoadResult
    /// The command line that ran it, as given.
    let arguments: [String]

    /// The whole report.
    var text: String {
        let configuration = result.configuration
        let statistics = result.statistics
        let latency = statistics.latency
        var lines: [String] = []
        lines.append("command: \(Self.shellQuoted(arguments))")
        lines.append(
            "load: \(configuration.url), \(configuration.connections) connections (\(result.connected) up), "
                + "window \(configuration.window), \(configuration.users) users, warm-up "
                + "\(Self.fixed(configuration.warmupSeconds, 1)) s, measured \(Self.fixed(result.measuredSeconds, 1)) s, "
                + "client threads \(configuration.threads)")
        lines.append("acked updates/s: \(Self.fixed(result.updatesPerSecond, 0)) (\(statistics.measuredAcks) acks)")
        lines.append(
            "ack latency ms: p50 \(Self.ms(latency.quantile(0.5)))  p90 \(Self.ms(latency.quantile(0.9)))  "
                + "p99 \(Self.ms(latency.quantile(0.99)))  max \(Self.ms(latency.maxMicros))")
        var errorLine =
            "errors: \(result.errors) (rejected \(statistics.rejected), unknown replies \(statistics.unknownReplies), "
            + "unmatched acks \(statistics.unmatchedAcks), disconnects \(statistics.disconnects), "
            + "connect failures \(result.connectFailures))"
        if let first = result.firstConnectError { errorLine += "; first connect failure: \(first)" }
        lines.append(errorLine)
        lines.append(
            "sent \(statistics.sent), acked \(statistics.acked), unacked when stopped \(statistics.inFlightAtEnd) "
                + "(oldest \(Self.fixed(Double(statistics.oldestInFlightNanos) / 1e6, 1)) ms)")
        lines.append(contentsOf: cpuLines)
        lines.append(resultLine)
        return lines.joined(separator: "\n")
    }

    /// CPU use over the measured window, in cores (CPU seconds per second).
    private var cpuLines: [String] {
        let start = result.cpuStart
        let end = result.cpuEnd
        let seconds = Double(end.nanos - start.nanos) / 1e9
        guard seconds > 0 else { return [] }
        let user = Double(end.selfUserMicros - start.selfUserMicros) / 1e6 / seconds
        let system = Double(end.selfSystemMicros - start.selfSystemMicros) / 1e6 / seconds
        let totalTicks = end.machineTotalTicks &- start.machineTotalTicks
        let busy = totalTicks == 0 ? 0 : Double(end.machineBusyTicks &- start.machineBusyTicks) / Double(totalTicks)
        var lines = [
            "cpu (cores over the measured window): client \(Self.fixed(user + system, 2)) "
                + "(user \(Self.fixed(user, 2)), sys \(Self.fixed(system, 2))); machine busy "
                + "\(Self.fixed(busy * Double(CPUSnapshot.cpuCount), 2)) of \(CPUSnapshot.cpuCount)"
        ]
        let before = Dictionary(start.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        let observed = end.processes.compactMap { process -> String? in
            guard let ticks = before[process.pid] else { return nil }
            let cores = Double(process.ticks - ticks) / CPUSnapshot.ticksPerSecond / seconds
            return "\(process.label) [\(process.pid)] \(Self.fixed(cores, 2))"
        }
        if !observed.isEmpty { lines.append("cpu of observed processes: " + observed.joined(separator: ", ")) }
        return lines
    }

    /// `result updates_per_s=… p50_ms=… …`: one line for `scripts/bench/steps` to read.
    private var resultLine: String {
        let latency = result.statistics.latency
        let start = result.cpuStart
        let end = result.cpuEnd
        let seconds = Double(end.nanos - start.nanos) / 1e9
        let clientCPU =
            seconds > 0
            ? Double(end.selfUserMicros + end.selfSystemMicros - start.selfUserMicros - start.selfSystemMicros) / 1e6
                / seconds : 0
        var serverTicks: UInt64 = 0
        let before = Dictionary(start.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        for process in end.processes { if let ticks = before[process.pid] { serverTicks += process.ticks - ticks } }
        let serverCPU = seconds > 0 ? Double(serverTicks) / CPUSnapshot.ticksPerSecond / seconds : 0
        let totalTicks = end.machineTotalTicks &- start.machineTotalTicks
        let machineBusy =
            totalTicks == 0
            ? 0
            : Double(end.machineBusyTicks &- start.machineBusyTicks) / Double(totalTicks)
                * Double(CPUSnapshot.cpuCount)
        return "result updates_per_s=\(Self.fixed(result.updatesPerSecond, 0)) "
            + "p50_ms=\(Self.ms(latency.quantile(0.5))) p90_ms=\(Self.ms(latency.quantile(0.9))) "
            + "p99_ms=\(Self.ms(latency.quantile(0.99))) max_ms=\(Self.ms(latency.maxMicros)) "
            + "errors=\(result.errors) unacked_at_end=\(result.statistics.inFlightAtEnd) "
            + "client_cpu=\(Self.fixed(clientCPU, 2)) server_cpu=\(Self.fixed(serverCPU, 2)) "
            + "machine_busy=\(Self.fixed(machineBusy, 2))"
    }

    private static func ms(_ micros: UInt64) -> String {
        fixed(Double(micros) / 1000, micros < 10_000 ? 3 : 1)
    }

    /// `value` with `decimals` digits after the point (no Foundation formatting).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let integral = UInt64(scaled / scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(integral) }
        var fraction = String(UInt64(scaled) - integral * UInt64(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        return "\(sign)\(integral).\(fraction)"
    }

    /// `arguments` as one line a POSIX shell reads back unchanged.
    static func shellQuoted(_ arguments: [String]) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,@%+")
        return arguments.map { argument in
            if !argument.isEmpty && argument.allSatisfy(plain.contains) { return argument }
            return "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#)
                + "'"
        }.joined(separator: " ")
    }
}
