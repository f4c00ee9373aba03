#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The text `switchyard-bench presence-load` prints: a human block, then one `result key=value …` line for scripts.
struct PresenceLoadReport: Sendable {
    /// The run to describe.
    let result: PresenceLoadResult
    /// The command line that ran it, as given.
    let arguments: [String]

    /// The whole report.
    var text: String {
        let configuration = result.configuration
        let statistics = result.statistics
        var lines: [String] = []
        lines.append("command: \(LoadReport.shellQuoted(arguments))")
        lines.append(
            "load: \(configuration.url), \(configuration.clients) clients (\(result.connected) connected in "
                + "\(fixed(result.connectSeconds, 1)) s, \(statistics.registered) registered in "
                + "\(fixed(result.registerSeconds, 1)) s), \(fixed(configuration.rate, 0)) pings/s offered, "
                + "warm-up \(fixed(configuration.warmupSeconds, 1)) s, measured \(fixed(configuration.durationSeconds, 1)) s, "
                + "\(min(configuration.observers, configuration.clients)) observers, client threads \(configuration.threads)"
        )
        lines.append(
            "pings/s handled: \(fixed(result.handledPerSecond, 1)) of \(fixed(result.offeredPerSecond, 0)) offered "
                + "(measured: \(statistics.measuredSent) sent, \(statistics.measuredObserved) seen by their sender, "
                + "\(statistics.measuredSkipped) slots skipped because the previous ping was not seen yet)")
        lines.append("delivery latency to the sender ms: " + quantiles(statistics.latency))
        lines.append(
            "delivery latency to observers ms: " + quantiles(statistics.observerLatency)
                + " (\(statistics.observerLatency.count) deliveries, \(statistics.observerUntimed) untimed)")
        let seconds = configuration.durationSeconds
        let meanList = statistics.measuredLists == 0 ? 0 : statistics.measuredListBytes / statistics.measuredLists
        lines.append(
            "broadcasts received: \(fixed(Double(statistics.measuredLists) / seconds, 0)) lists/s across clients "
                + "(\(fixed(perClientListRate, 2)) per client), \(fixed(Double(statistics.measuredCounts) / seconds, 0)) "
                + "counts/s; \(fixed(Double(statistics.measuredBytes) / seconds / 1e6, 2)) MB/s of payload; "
                + "list frame mean \(meanList) B, largest \(statistics.largestList) B")
        var errorLine =
            "errors: \(result.errors) (disconnects \(statistics.disconnects), server disconnects "
            + "\(statistics.serverDisconnects), unknown frames \(statistics.unknownFrames), away entries "
            + "\(statistics.away), connect failures \(result.connectFailures))"
        if let first = result.firstConnectError { errorLine += "; first connect failure: \(first)" }
        lines.append(errorLine)
        lines.append(
            "pings: \(statistics.sent) sent, \(statistics.observed) seen by their sender, \(statistics.unobserved) "
                + "never seen (drained \(fixed(result.drainSeconds, 1)) s after the window); \(statistics.initialEvents) "
                + "of \(result.connected) clients had both events before their first ping; Engine.IO pings answered "
                + "\(statistics.enginePings)")
        lines.append(contentsOf: memoryLines)
        lines.append(contentsOf: cpuLines)
        lines.append(resultLine)
        return lines.joined(separator: "\n")
    }

    private var perClientListRate: Double {
        result.connected == 0
            ? 0
            : Double(result.statistics.measuredLists) / result.configuration.durationSeconds / Double(result.connected)
    }

    /// Gateway memory per connected idle client, in KiB (nil without both readings).
    private var kibPerClient: Double? {
        guard let before = result.memory.before, let idle = result.memory.idle, result.connected > 0 else { return nil }
        return Double(idle.residentKiB - before.residentKiB) / Double(result.connected)
    }

    private var memoryLines: [String] {
        let memory = result.memory
        guard let before = memory.before else { return [] }
        func mib(_ kib: Int?) -> String { kib.map { fixed(Double($0) / 1024, 1) } ?? "?" }
        var line =
            "gateway memory (VmRSS MiB): before \(mib(before.residentKiB)), \(result.connected) idle clients "
            + "\(mib(memory.idle?.residentKiB))"
        if let perClient = kibPerClient { line += " (\(fixed(perClient, 1)) KiB per client)" }
        line +=
            ", users registered \(mib(memory.registered?.residentKiB)), load peak "
            + "\(mib(memory.loadPeakResidentKiB)), end of load \(mib(memory.afterLoad?.residentKiB)), 3 s after "
            + "closing \(mib(memory.afterClose?.residentKiB)); VmHWM \(mib(memory.afterClose?.peakKiB ?? memory.afterLoad?.peakKiB))"
        return [line]
    }

    /// CPU use over the measured window, in cores (CPU seconds per second).
    private var cpu: (client: Double, user: Double, system: Double, machine: Double, processes: [(String, Double)]) {
        let start = result.cpuStart
        let end = result.cpuEnd
        let seconds = Double(end.nanos - start.nanos) / 1e9
        guard seconds > 0 else { return (0, 0, 0, 0, []) }
        let user = Double(end.selfUserMicros - start.selfUserMicros) / 1e6 / seconds
        let system = Double(end.selfSystemMicros - start.selfSystemMicros) / 1e6 / seconds
        let totalTicks = end.machineTotalTicks &- start.machineTotalTicks
        let machine =
            totalTicks == 0
            ? 0
            : Double(end.machineBusyTicks &- start.machineBusyTicks) / Double(totalTicks) * Double(CPUSnapshot.cpuCount)
        let before = Dictionary(start.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        let processes = end.processes.compactMap { process -> (String, Double)? in
            guard let ticks = before[process.pid] else { return nil }
            return (
                "\(process.label) [\(process.pid)]",
                Double(process.ticks - ticks) / CPUSnapshot.ticksPerSecond / seconds
            )
        }
        return (user + system, user, system, machine, processes)
    }

    private var cpuLines: [String] {
        let cpu = cpu
        var lines = [
            "cpu (cores over the measured window): client \(fixed(cpu.client, 2)) (user \(fixed(cpu.user, 2)), sys "
                + "\(fixed(cpu.system, 2))); machine busy \(fixed(cpu.machine, 2)) of \(CPUSnapshot.cpuCount)"
        ]
        if !cpu.processes.isEmpty {
            lines.append(
                "cpu of observed processes: "
                    + cpu.processes.map { "\($0.0) \(fixed($0.1, 2))" }.joined(separator: ", "))
        }
        let seconds = Double(result.cpuEnd.nanos - result.cpuStart.nanos) / 1e9
        let kinds = MachineCPU.kinds(from: result.machineStart, to: result.machineEnd, seconds: seconds)
        lines.append(
            "machine cpu by kind (cores): " + kinds.map { "\($0.0) \(fixed($0.1, 2))" }.joined(separator: ", "))
        let excluded = Set(result.cpuEnd.processes.map(\.pid) + [getpid()])
        let others = MachineCPU.busiest(
            from: result.machineStart, to: result.machineEnd, seconds: seconds, excluding: excluded, limit: 3)
        lines.append(
            "busiest other processes (cores): "
                + (others.isEmpty
                    ? "none" : others.map { "\($0.label) [\($0.pid)] \(fixed($0.cores, 2))" }.joined(separator: ", "))
                + "; processes started meanwhile \(result.machineEnd.forks &- result.machineStart.forks)")
        return lines
    }

    /// `result pings_per_s=… p99_ms=… …`: one line for `scripts/bench/presence` to read.
    private var resultLine: String {
        let statistics = result.statistics
        let memory = result.memory
        let seconds = result.configuration.durationSeconds
        let cpu = cpu
        func role(_ name: String) -> Double {
            cpu.processes.filter { $0.0.contains(" \(name)") }.reduce(0) { $0 + $1.1 }
        }
        let server = cpu.processes.reduce(0) { $0 + $1.1 }
        let meanList = statistics.measuredLists == 0 ? 0 : statistics.measuredListBytes / statistics.measuredLists
        var fields: [(String, String)] = [
            ("clients", "\(result.configuration.clients)"), ("connected", "\(result.connected)"),
            ("registered", "\(statistics.registered)"), ("initial_events", "\(statistics.initialEvents)"),
            ("offered_per_s", fixed(result.offeredPerSecond, 0)),
            ("pings_per_s", fixed(result.handledPerSecond, 1)), ("measured_sent", "\(statistics.measuredSent)"),
            ("measured_seen", "\(statistics.measuredObserved)"), ("skipped", "\(statistics.measuredSkipped)"),
            ("unobserved", "\(statistics.unobserved)"),
            ("p50_ms", ms(statistics.latency.quantile(0.5))), ("p90_ms", ms(statistics.latency.quantile(0.9))),
            ("p99_ms", ms(statistics.latency.quantile(0.99))), ("max_ms", ms(statistics.latency.maxMicros)),
            ("obs_count", "\(statistics.observerLatency.count)"),
            ("obs_p50_ms", ms(statistics.observerLatency.quantile(0.5))),
            ("obs_p99_ms", ms(statistics.observerLatency.quantile(0.99))),
            ("obs_max_ms", ms(statistics.observerLatency.maxMicros)), ("obs_untimed", "\(statistics.observerUntimed)"),
            ("lists_per_s", fixed(Double(statistics.measuredLists) / seconds, 0)),
            ("lists_per_client_s", fixed(perClientListRate, 2)),
            ("bytes_per_s", fixed(Double(statistics.measuredBytes) / seconds, 0)),
            ("mean_list_bytes", "\(meanList)"), ("largest_list_bytes", "\(statistics.largestList)"),
            ("errors", "\(result.errors)"), ("disconnects", "\(statistics.disconnects)"),
            ("server_disconnects", "\(statistics.serverDisconnects)"),
            ("unknown_frames", "\(statistics.unknownFrames)"),
            ("away", "\(statistics.away)"), ("connect_failures", "\(result.connectFailures)"),
            ("client_cpu", fixed(cpu.client, 2)), ("server_cpu", fixed(server, 2)),
            ("gateway_cpu", fixed(role("gateway"), 2)), ("workers_cpu", fixed(role("worker"), 2)),
            ("machine_busy", fixed(cpu.machine, 2)),
        ]
        let windowSeconds = Double(result.cpuEnd.nanos - result.cpuStart.nanos) / 1e9
        for (kind, cores) in MachineCPU.kinds(from: result.machineStart, to: result.machineEnd, seconds: windowSeconds)
        where kind != "nice" {
            fields.append(("machine_\(kind)", fixed(cores, 2)))
        }
        fields.append(("machine_forks", "\(result.machineEnd.forks &- result.machineStart.forks)"))
        func kib(_ value: Int?) -> String { value.map(String.init) ?? "?" }
        fields += [
            ("rss_before_kib", kib(memory.before?.residentKiB)), ("rss_idle_kib", kib(memory.idle?.residentKiB)),
            ("kib_per_client", kibPerClient.map { fixed($0, 1) } ?? "?"),
            ("rss_registered_kib", kib(memory.registered?.residentKiB)),
            ("rss_load_peak_kib", kib(memory.loadPeakResidentKiB)),
            ("rss_end_load_kib", kib(memory.afterLoad?.residentKiB)),
            ("rss_after_close_kib", kib(memory.afterClose?.residentKiB)),
            ("hwm_kib", kib(memory.afterClose?.peakKiB ?? memory.afterLoad?.peakKiB)),
        ]
        return "result " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    private func quantiles(_ histogram: LatencyHistogram) -> String {
        "p50 \(ms(histogram.quantile(0.5)))  p90 \(ms(histogram.quantile(0.9)))  p99 \(ms(histogram.quantile(0.99)))  "
            + "max \(ms(histogram.maxMicros))"
    }

    private func ms(_ micros: UInt64) -> String { fixed(Double(micros) / 1000, micros < 10_000 ? 2 : 1) }

    private func fixed(_ value: Double, _ decimals: Int) -> String { LoadReport.fixed(value, decimals) }
}
