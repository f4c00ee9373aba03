/// The text `switchyard-bench lobby-load` prints: a human block, then one `result key=value …` line for scripts.
struct LobbyLoadReport: Sendable {
    /// The run to describe.
    let result: LobbyLoadResult
    /// The command line that ran it, as given.
    let arguments: [String]

    /// Errors of any kind: what a correct server under this load shows none of. Changes still on their way when the
    /// drain ended (an overloaded gateway's backlog) are reported apart, as are those missed by closed subscribers.
    var errors: UInt64 {
        let deliveries = result.deliveries
        return deliveries.total.skipped + deliveries.outOfOrder + deliveries.extraTableLists + deliveries.unexpected
            + deliveries.disconnectCount + UInt64(result.subscribeFailures) + result.admin.errors
            + (result.admin.closedWith == nil ? 0 : 1)
    }

    /// The whole report.
    var text: String {
        let configuration = result.configuration
        let deliveries = result.deliveries
        let total = deliveries.total
        let admin = result.admin
        var lines: [String] = []
        lines.append("command: \(LoadReport.shellQuoted(arguments))")
        let perURL = result.subscribedPerURL.map(String.init).joined(separator: " + ")
        lines.append(
            "lobby load: \(configuration.urls.map(\.description).joined(separator: ", ")); "
                + "\(configuration.subscribers) subscribers (\(result.subscribed) subscribed: \(perURL), in "
                + "\(fixed(result.subscribeSeconds, 1)) s; \(result.subscribeFailures) failures); admin on "
                + "\(configuration.adminURL), \(fixed(configuration.rate, 1)) changes/s of table "
                + "\(configuration.tableID); warm-up \(fixed(configuration.warmupSeconds, 1)) s, measured "
                + "\(fixed(configuration.durationSeconds, 1)) s; client threads \(configuration.threads)")
        lines.append(
            "changes: sent \(admin.sent) (\(admin.measured) in the measured window); admin late by at most "
                + "\(fixed(Double(admin.maxLatenessNanos) / 1e6, 1)) ms (\(admin.lateOverOneMs) sends over 1 ms late)")
        lines.append(
            "deliveries/s: \(fixed(result.deliveriesPerSecond, 0)) (rate × subscribers = "
                + "\(fixed(result.expectedPerSecond, 0))); \(total.deliveries) deliveries in all")
        lines.append(
            "latency admin send → subscriber receipt, ms (\(total.latency.count) deliveries of the window's changes): "
                + percentiles(total.latency))
        for (index, gateway) in deliveries.gateways.enumerated() where deliveries.gateways.count > 1 {
            lines.append(
                "  \(configuration.urls[index]): \(percentiles(gateway.latency)); \(gateway.subscribers) subscribers, "
                    + "\(fixed(Double(gateway.windowDeliveries) / configuration.durationSeconds, 0)) deliveries/s")
        }
        if let drain = result.drainNanos {
            lines.append(
                "drain: every open subscriber had the last change \(fixed(Double(drain) / 1e6, 1)) ms after the window")
        } else {
            lines.append(
                "drain: \(result.behindAtEnd) open subscribers still lacked the last change "
                    + "\(fixed(configuration.drainSeconds, 1)) s after the window")
        }
        lines.append(
            "not delivered: \(total.pendingAtEnd) still pending for open subscribers when the drain ended, "
                + "\(total.missedByClosed) sent after a subscriber was closed")
        var errorLine =
            "errors: \(errors) (changes skipped \(total.skipped) in \(deliveries.gaps) gaps; out of order "
            + "\(deliveries.outOfOrder); extra table_list "
            + "\(deliveries.extraTableLists); unexpected messages \(deliveries.unexpected); disconnects "
            + "\(deliveries.disconnectCount)\(closeCodes); subscribe failures \(result.subscribeFailures); "
            + "admin errors \(admin.errors)\(admin.closedWith.map { "; admin closed (code \($0))" } ?? ""))"
        if let first = deliveries.firstUnexpected { errorLine += "; first unexpected: \(first)" }
        if let first = result.firstSubscribeError { errorLine += "; first subscribe failure: \(first)" }
        if let first = admin.firstError { errorLine += "; first admin error: \(first)" }
        lines.append(errorLine)
        lines.append(contentsOf: memoryLines)
        lines.append(contentsOf: cpuLines)
        lines.append(resultLine)
        return lines.joined(separator: "\n")
    }

    /// ` [url2:1008 × 3; 12.0–14.5 s after the first change]`, or nothing without disconnects.
    private var closeCodes: String {
        let deliveries = result.deliveries
        let codes = deliveries.disconnects.sorted { $0.key < $1.key }
        guard !codes.isEmpty else { return "" }
        var text =
            " ["
            + codes.map { code in
                "\(code.key) × \(code.value)" + (deliveries.closeReasons[code.key].map { " (\"\($0)\")" } ?? "")
            }.joined(separator: ", ")
        if let first = deliveries.firstDisconnectNanos, let last = deliveries.lastDisconnectNanos {
            let start = result.adminStartNanos
            let since = { (nanos: UInt64) in nanos >= start ? Double(nanos - start) / 1e9 : -Double(start - nanos) / 1e9
            }
            text += "; \(fixed(since(first), 1))–\(fixed(since(last), 1)) s after the first change was due"
        }
        return text + "]"
    }

    private func percentiles(_ latency: LatencyHistogram) -> String {
        "p50 \(Self.ms(latency.quantile(0.5)))  p90 \(Self.ms(latency.quantile(0.9)))  "
            + "p99 \(Self.ms(latency.quantile(0.99)))  max \(Self.ms(latency.maxMicros))"
    }

    /// Resident memory of each sampled process and what one subscriber of its URL added.
    private var memoryLines: [String] {
        result.memory.enumerated().map { index, memory in
            var line =
                "memory \(memory.name) (VmRSS KiB): before \(Self.kib(memory.before)), subscribed "
                + "\(Self.kib(memory.subscribed)), end of window \(Self.kib(memory.loaded)), drained "
                + "\(Self.kib(memory.drained))"
            if let perSubscriber = perSubscriberBytes(index) {
                line += "; \(fixed(perSubscriber / 1024, 1)) KiB per subscriber"
            }
            return line
        }
    }

    /// (subscribed − before) / subscribers of the process's URL, in bytes.
    private func perSubscriberBytes(_ index: Int) -> Double? {
        let memory = result.memory[index]
        guard index < result.subscribedPerURL.count, result.subscribedPerURL[index] > 0,
            let before = memory.before, let subscribed = memory.subscribed
        else { return nil }
        return (Double(subscribed) - Double(before)) * 1024 / Double(result.subscribedPerURL[index])
    }

    private var seconds: Double { Double(result.cpuEnd.nanos - result.cpuStart.nanos) / 1e9 }

    /// Cores used by each observed process over the measured window, keyed by the last word of its label
    /// (`g1`, `w1`, `up`).
    private var processCores: [(key: String, label: String, pid: Int32, cores: Double)] {
        guard seconds > 0 else { return [] }
        let before = Dictionary(
            result.cpuStart.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        return result.cpuEnd.processes.compactMap { process in
            guard let ticks = before[process.pid] else { return nil }
            let key = String(process.label.split(separator: " ").last ?? "?")
            return (
                key, process.label, process.pid, Double(process.ticks - ticks) / CPUSnapshot.ticksPerSecond / seconds
            )
        }
    }

    private var clientCores: Double {
        let start = result.cpuStart
        let end = result.cpuEnd
        guard seconds > 0 else { return 0 }
        return Double(end.selfUserMicros + end.selfSystemMicros - start.selfUserMicros - start.selfSystemMicros) / 1e6
            / seconds
    }

    private var machineBusyCores: Double {
        let totalTicks = result.cpuEnd.machineTotalTicks &- result.cpuStart.machineTotalTicks
        guard totalTicks > 0 else { return 0 }
        return Double(result.cpuEnd.machineBusyTicks &- result.cpuStart.machineBusyTicks) / Double(totalTicks)
            * Double(CPUSnapshot.cpuCount)
    }

    private var cpuLines: [String] {
        guard seconds > 0 else { return [] }
        var lines = [
            "cpu (cores over the measured window): client \(fixed(clientCores, 2)); machine busy "
                + "\(fixed(machineBusyCores, 2)) of \(CPUSnapshot.cpuCount); anything else "
                + "\(fixed(max(0, machineBusyCores - clientCores - processCores.reduce(0) { $0 + $1.cores }), 2))"
        ]
        let observed = processCores.map { "\($0.label) [\($0.pid)] \(fixed($0.cores, 2))" }
        if !observed.isEmpty { lines.append("cpu of observed processes: " + observed.joined(separator: ", ")) }
        return lines
    }

    /// `result deliveries_per_s=… p50_ms=… …`: one line for `scripts/bench/lobby` to read.
    private var resultLine: String {
        let deliveries = result.deliveries
        let total = deliveries.total
        var fields: [(String, String)] = [
            ("subscribed", "\(result.subscribed)"),
            ("subscribe_s", fixed(result.subscribeSeconds, 1)),
            ("changes", "\(result.admin.sent)"),
            ("measured_changes", "\(result.admin.measured)"),
            ("deliveries_per_s", fixed(result.deliveriesPerSecond, 0)),
            ("expected_per_s", fixed(result.expectedPerSecond, 0)),
            ("p50_ms", Self.ms(total.latency.quantile(0.5))),
            ("p90_ms", Self.ms(total.latency.quantile(0.9))),
            ("p99_ms", Self.ms(total.latency.quantile(0.99))),
            ("max_ms", Self.ms(total.latency.maxMicros)),
        ]
        for (index, gateway) in deliveries.gateways.enumerated() {
            fields.append(("url\(index + 1)_p50_ms", Self.ms(gateway.latency.quantile(0.5))))
            fields.append(("url\(index + 1)_p99_ms", Self.ms(gateway.latency.quantile(0.99))))
        }
        fields += [
            ("drain_ms", result.drainNanos.map { fixed(Double($0) / 1e6, 1) } ?? "timeout"),
            ("errors", "\(errors)"),
            ("pending_at_end", "\(total.pendingAtEnd)"),
            ("missed_by_closed", "\(total.missedByClosed)"),
            ("skipped", "\(total.skipped)"),
            ("gaps", "\(deliveries.gaps)"),
            ("out_of_order", "\(deliveries.outOfOrder)"),
            ("extra_table_lists", "\(deliveries.extraTableLists)"),
            ("unexpected", "\(deliveries.unexpected)"),
            ("disconnects", "\(deliveries.disconnectCount)"),
            (
                "close_codes",
                deliveries.disconnects.isEmpty
                    ? "-"
                    : deliveries.disconnects.sorted { $0.key < $1.key }
                        .map { "\($0.key)x\($0.value)" }.joined(separator: ",")
            ),
            ("subscribe_failures", "\(result.subscribeFailures)"),
            ("admin_errors", "\(result.admin.errors)"),
            ("admin_late_max_ms", fixed(Double(result.admin.maxLatenessNanos) / 1e6, 1)),
            ("client_cpu", fixed(clientCores, 2)),
            ("server_cpu", fixed(processCores.reduce(0) { $0 + $1.cores }, 2)),
            ("machine_busy", fixed(machineBusyCores, 2)),
            ("other_cpu", fixed(max(0, machineBusyCores - clientCores - processCores.reduce(0) { $0 + $1.cores }), 2)),
        ]
        for process in processCores { fields.append(("cpu_\(process.key)", fixed(process.cores, 2))) }
        for (index, memory) in result.memory.enumerated() {
            fields.append(("rss_\(memory.name)_before_kib", Self.kib(memory.before)))
            fields.append(("rss_\(memory.name)_subscribed_kib", Self.kib(memory.subscribed)))
            fields.append(("rss_\(memory.name)_loaded_kib", Self.kib(memory.loaded)))
            fields.append(("rss_\(memory.name)_drained_kib", Self.kib(memory.drained)))
            fields.append(
                ("bytes_per_subscriber_\(memory.name)", perSubscriberBytes(index).map { fixed($0, 0) } ?? "?"))
        }
        return "result " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    private func fixed(_ value: Double, _ decimals: Int) -> String { LoadReport.fixed(value, decimals) }

    private static func kib(_ value: UInt64?) -> String { value.map(String.init) ?? "?" }

    private static func ms(_ micros: UInt64) -> String {
        LoadReport.fixed(Double(micros) / 1000, micros < 10_000 ? 3 : 1)
    }
}
