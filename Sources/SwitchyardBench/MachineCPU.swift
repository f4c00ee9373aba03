#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The whole machine's CPU time by kind (`/proc/stat`) and every process's (`/proc/<pid>/stat`): two snapshots
/// around the measured window say what else ran meanwhile on a shared machine (another session's build, or the
/// kernel's loopback work, which `/proc/stat` counts as softirq and charges to no process).
struct MachineCPU: Sendable {
    /// A process seen in `/proc`.
    struct Process: Sendable {
        /// `basename(argv[0])` and `argv[1]`, or the command name of `/proc/<pid>/stat` without a command line.
        var label: String
        /// User + system time in clock ticks.
        var ticks: UInt64
    }

    /// Ticks of `/proc/stat`'s first line: user, nice, system, idle, iowait, irq, softirq, steal.
    var kinds: [UInt64]
    /// Every process, by pid.
    var processes: [Int32: Process]
    /// Processes and threads created since boot (`/proc/stat` `processes`): short-lived ones (a build's compiler
    /// runs) use CPU that no snapshot of the living processes shows.
    var forks: UInt64

    /// Names of ``kinds``.
    static let kindNames = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]

    /// Reads `/proc` now.
    static func take() -> MachineCPU {
        var kinds = Array(repeating: UInt64(0), count: kindNames.count)
        var forks: UInt64 = 0
        for line in (ProcFS.contents("/proc/stat") ?? "").split(separator: "\n") {
            if line.hasPrefix("cpu ") {
                for (index, value) in line.split(separator: " ").dropFirst().prefix(kindNames.count).enumerated() {
                    kinds[index] = UInt64(value) ?? 0
                }
            } else if line.hasPrefix("processes ") {
                forks = UInt64(line.dropFirst("processes ".count)) ?? 0
            }
        }
        var processes: [Int32: Process] = [:]
        for pid in ProcFS.pids() {
            guard let (command, fields) = ProcFS.stat(pid), fields.count > 12, let user = UInt64(fields[11]),
                let system = UInt64(fields[12])
            else { continue }
            var label = command
            if let arguments = ProcFS.arguments(pid)?.filter({ !$0.isEmpty }), let program = arguments.first {
                label = String(program.split(separator: "/").last ?? Substring(program))
                if arguments.count > 1 { label += " " + String(arguments[1].prefix(40)) }
            }
            processes[pid] = Process(label: label, ticks: user + system)
        }
        return MachineCPU(kinds: kinds, processes: processes, forks: forks)
    }

    /// Cores spent on each kind of `/proc/stat` time between `start` and `end` (of `seconds`), idle left out.
    static func kinds(from start: MachineCPU, to end: MachineCPU, seconds: Double) -> [(String, Double)] {
        guard seconds > 0 else { return [] }
        return kindNames.indices.compactMap { index in
            guard kindNames[index] != "idle" else { return nil }
            let ticks = end.kinds[index] &- start.kinds[index]
            return (kindNames[index], Double(ticks) / CPUSnapshot.ticksPerSecond / seconds)
        }
    }

    /// The `limit` processes, other than `excluded` ones, that used the most CPU between `start` and `end`.
    static func busiest(
        from start: MachineCPU, to end: MachineCPU, seconds: Double, excluding excluded: Set<Int32>, limit: Int
    ) -> [(pid: Int32, label: String, cores: Double)] {
        guard seconds > 0 else { return [] }
        var rows: [(pid: Int32, label: String, cores: Double)] = []
        for (pid, process) in end.processes where !excluded.contains(pid) {
            let before = start.processes[pid]?.ticks ?? 0
            guard process.ticks > before else { continue }
            rows.append((pid, process.label, Double(process.ticks - before) / CPUSnapshot.ticksPerSecond / seconds))
        }
        return Array(rows.sorted { $0.cores > $1.cores }.prefix(limit))
    }
}
