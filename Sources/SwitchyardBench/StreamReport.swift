/// The text `switchyard-bench stream` prints: a human block, one `process …` line per observed process and one
/// `result key=value …` line for scripts.
struct StreamReport: Sendable {
    /// The run to describe.
    let result: StreamResult
    /// The command line that ran it, as given.
    let arguments: [String]

    /// How many users still behind (or counted past) are named in the report.
    private static let namedUsers = 10

    /// The whole report.
    var text: String {
        let configuration = result.configuration
        let statistics = result.statistics
        let poll = result.poll
        var lines: [String] = []
        lines.append("command: \(LoadReport.shellQuoted(arguments))")
        lines.append(
            "stream: \(configuration.url), \(configuration.connections) connections, \(configuration.updates) updates "
                + "of newSteps \(configuration.stepsPerUpdate) over \(configuration.users) users, no acks; REST "
                + "\(configuration.rest), \(configuration.restConnections) connections × \(configuration.restDepth) "
                + "pipelined; client threads \(configuration.threads)")
        if result.usersKnownBefore > 0 {
            lines.append("note: \(result.usersKnownBefore) users had a total before the run; expected totals add to it")
        }
        lines.append(
            "updates/s: \(fixed(result.updatesPerSecond, 0)) (first send → every total right in "
                + "\(fixed(result.elapsedSeconds, 3)) s: writing \(fixed(result.sendSeconds, 3)) s, then "
                + "\(fixed(result.settleSeconds, 3)) s until REST showed every total)")
        lines.append(
            "written: \(statistics.sent) updates, the socket was full \(statistics.writabilityWaits) times; REST: "
                + "\(poll.requests) GETs in \(poll.rounds) passes, \(poll.reconnects) reconnects, "
                + "\(poll.unexpectedReplies) unexpected answers"
                + (poll.firstUnexpectedReply.map { " (first: \($0))" } ?? ""))
        var errorLine =
            "errors: \(result.errors) (users never right \(poll.behind.count), users past their total "
            + "\(poll.overcounted.count), disconnects \(statistics.disconnects), frames from the server "
            + "\(statistics.unexpectedFrames))"
        if let code = statistics.closeCode { errorLine += "; the server closed with \(code)" }
        lines.append(errorLine)
        if !poll.behind.isEmpty {
            let named = poll.behind.sorted { $0.key < $1.key }.prefix(Self.namedUsers).map { user, total in
                "user\(user) \(total.map { fixed($0, 0) } ?? "404")/\(fixed(result.expected[user], 0))"
            }
            let missing = poll.behind.reduce(0.0) { $0 + result.expected[$1.key] - ($1.value ?? 0) }
            lines.append(
                "NOT CONVERGED after \(fixed(configuration.convergeTimeoutSeconds, 0)) s: \(poll.behind.count) users "
                    + "behind, \(fixed(missing, 0)) steps missing in all; e.g. " + named.joined(separator: ", "))
        }
        if !poll.overcounted.isEmpty {
            let named = poll.overcounted.sorted { $0.key < $1.key }.prefix(Self.namedUsers).map { user, total in
                "user\(user) \(fixed(total, 0))/\(fixed(result.expected[user], 0))"
            }
            lines.append(
                "OVERCOUNTED: \(poll.overcounted.count) users past their expected total; e.g. "
                    + named.joined(separator: ", "))
        }
        lines.append(contentsOf: cpuLines)
        lines.append(contentsOf: processLines)
        lines.append(resultLine)
        return lines.joined(separator: "\n")
    }

    /// Cores over the whole run, over the writing and over the settling, and machine-wide.
    private var cpuLines: [String] {
        let whole = window(result.cpuStart, result.cpuEnd)
        let writing = window(result.cpuStart, result.cpuWritten)
        let settling = window(result.cpuWritten, result.cpuEnd)
        var lines = [
            "cpu (cores, first send → every total right): client \(fixed(whole.client, 2)), server "
                + "\(fixed(whole.server, 2)), machine busy \(fixed(whole.machine, 2)) of \(CPUSnapshot.cpuCount); "
                + "while writing: server \(fixed(writing.server, 2)), machine \(fixed(writing.machine, 2)); "
                + "settling: server \(fixed(settling.server, 2)), machine \(fixed(settling.machine, 2))"
        ]
        let observed = perProcess.map { "\($0.label) [\($0.pid)] \(fixed($0.cores, 2))" }
        if !observed.isEmpty { lines.append("cpu of observed processes: " + observed.joined(separator: ", ")) }
        return lines
    }

    /// `process pid=… label=… cpu_s=… cores=… us_per_update=…`, one per observed process still alive.
    private var processLines: [String] {
        perProcess.map { process in
            "process pid=\(process.pid) label=\(process.label.split(separator: " ").joined(separator: "_")) "
                + "cpu_s=\(fixed(process.seconds, 3)) cores=\(fixed(process.cores, 2)) "
                + "us_per_update=\(fixed(process.seconds / Double(max(result.configuration.updates, 1)) * 1e6, 2))"
        }
    }

    /// `result updates_per_s=… elapsed_s=… …`: one line for `scripts/bench/stream` to read.
    private var resultLine: String {
        let whole = window(result.cpuStart, result.cpuEnd)
        let updates = Double(max(result.configuration.updates, 1))
        return "result updates_per_s=\(fixed(result.updatesPerSecond, 0)) elapsed_s=\(fixed(result.elapsedSeconds, 3)) "
            + "send_s=\(fixed(result.sendSeconds, 3)) settle_s=\(fixed(result.settleSeconds, 3)) "
            + "updates=\(result.configuration.updates) users=\(result.configuration.users) "
            + "connections=\(result.configuration.connections) converged=\(result.converged ? 1 : 0) "
            + "errors=\(result.errors) users_behind=\(result.poll.behind.count) "
            + "users_overcounted=\(result.poll.overcounted.count) rest_gets=\(result.poll.requests) "
            + "rest_passes=\(result.poll.rounds) rest_unexpected=\(result.poll.unexpectedReplies) "
            + "rest_reconnects=\(result.poll.reconnects) socket_full=\(result.statistics.writabilityWaits) "
            + "client_cpu=\(fixed(whole.client, 2)) server_cpu=\(fixed(whole.server, 2)) "
            + "server_cpu_s=\(fixed(whole.serverSeconds, 3)) "
            + "server_us_per_update=\(fixed(whole.serverSeconds / updates * 1e6, 2)) "
            + "machine_busy=\(fixed(whole.machine, 2))"
    }

    /// CPU between two snapshots: cores of this client, of the observed processes and of the machine, and the
    /// observed processes' CPU seconds.
    private func window(_ start: CPUSnapshot, _ end: CPUSnapshot) -> (
        client: Double, server: Double, serverSeconds: Double, machine: Double
    ) {
        let seconds = Double(end.nanos &- start.nanos) / 1e9
        guard seconds > 0 else { return (0, 0, 0, 0) }
        let client =
            Double(end.selfUserMicros + end.selfSystemMicros &- start.selfUserMicros &- start.selfSystemMicros) / 1e6
            / seconds
        var serverTicks: UInt64 = 0
        let before = Dictionary(start.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        for process in end.processes { if let ticks = before[process.pid] { serverTicks += process.ticks &- ticks } }
        let serverSeconds = Double(serverTicks) / CPUSnapshot.ticksPerSecond
        let totalTicks = end.machineTotalTicks &- start.machineTotalTicks
        let machine =
            totalTicks == 0
            ? 0
            : Double(end.machineBusyTicks &- start.machineBusyTicks) / Double(totalTicks) * Double(CPUSnapshot.cpuCount)
        return (client, serverSeconds / seconds, serverSeconds, machine)
    }

    /// Each observed process's CPU over the whole run.
    private var perProcess: [(pid: Int32, label: String, seconds: Double, cores: Double)] {
        let start = result.cpuStart
        let end = result.cpuEnd
        let elapsed = Double(end.nanos &- start.nanos) / 1e9
        guard elapsed > 0 else { return [] }
        let before = Dictionary(start.processes.map { ($0.pid, $0.ticks) }, uniquingKeysWith: { first, _ in first })
        return end.processes.compactMap { process in
            guard let ticks = before[process.pid] else { return nil }
            let seconds = Double(process.ticks &- ticks) / CPUSnapshot.ticksPerSecond
            return (process.pid, process.label, seconds, seconds / elapsed)
        }
    }

    private func fixed(_ value: Double, _ decimals: Int) -> String {
        LoadReport.fixed(value, decimals)
    }
}
