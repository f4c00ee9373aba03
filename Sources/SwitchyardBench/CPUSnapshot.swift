#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CPU time consumed so far by this process, by observed processes and by the whole machine; two snapshots
/// taken around the measured window say where the machine's CPU went.
struct CPUSnapshot: Sendable {
    /// One observed process.
    struct Process: Sendable {
        /// Process id.
        var pid: Int32
        /// `basename(argv[0]) argv[1]`, plus the `--id` value when present (`switchyard worker w1`).
        var label: String
        /// User + system time in clock ticks (`/proc/<pid>/stat` fields 14 and 15).
        var ticks: UInt64
    }

    /// Monotonic time of the snapshot.
    var nanos: UInt64
    /// This process's user CPU time in microseconds.
    var selfUserMicros: UInt64
    /// This process's system CPU time in microseconds.
    var selfSystemMicros: UInt64
    /// Observed processes still alive, in pid order.
    var processes: [Process]
    /// Machine-wide non-idle ticks (all CPUs; `/proc/stat`).
    var machineBusyTicks: UInt64
    /// Machine-wide ticks of any kind.
    var machineTotalTicks: UInt64

    /// Clock ticks per second of `/proc` times.
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// Online CPUs.
    static let cpuCount = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Takes a snapshot of `pids` (already expanded, see ``withDescendants(of:)``).
    static func take(observing pids: [Int32], nanos: UInt64) -> CPUSnapshot {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let processes = pids.compactMap { pid -> Process? in
            guard let ticks = processTicks(pid) else { return nil }
            return Process(pid: pid, label: label(of: pid), ticks: ticks)
        }
        let (busy, total) = machineTicks()
        return CPUSnapshot(
            nanos: nanos,
            selfUserMicros: UInt64(usage.ru_utime.tv_sec) * 1_000_000 + UInt64(usage.ru_utime.tv_usec),
            selfSystemMicros: UInt64(usage.ru_stime.tv_sec) * 1_000_000 + UInt64(usage.ru_stime.tv_usec),
            processes: processes, machineBusyTicks: busy, machineTotalTicks: total)
    }

    /// `roots` and every process descending from them, from a scan of `/proc`.
    static func withDescendants(of roots: [Int32]) -> [Int32] {
        guard !roots.isEmpty else { return [] }
        var children: [Int32: [Int32]] = [:]
        for pid in ProcFS.pids() {
            if let parent = parentPID(pid) { children[parent, default: []].append(pid) }
        }
        var seen = Set<Int32>()
        var pending = roots
        while let pid = pending.popLast() {
            guard seen.insert(pid).inserted else { continue }
            pending.append(contentsOf: children[pid] ?? [])
        }
        return seen.sorted()
    }

    // MARK: - /proc

    private static func processTicks(_ pid: Int32) -> UInt64? { ProcFS.ticks(pid) }

    private static func parentPID(_ pid: Int32) -> Int32? {
        guard let fields = ProcFS.stat(pid)?.fields, fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    private static func label(of pid: Int32) -> String {
        guard let arguments = ProcFS.arguments(pid), let program = arguments.first else { return "?" }
        var parts = [String(program.split(separator: "/").last ?? Substring(program))]
        if arguments.count > 1 { parts.append(arguments[1]) }
        if arguments.count > 3, arguments[2] == "--id" { parts.append(arguments[3]) }
        return parts.joined(separator: " ")
    }

    private static func machineTicks() -> (busy: UInt64, total: UInt64) {
        guard let text = ProcFS.contents("/proc/stat"), let line = text.split(separator: "\n").first,
            line.hasPrefix("cpu ")
        else { return (0, 0) }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        let counted = values.prefix(8)
        let total = counted.reduce(0, +)
        let idle = counted.count > 4 ? values[3] + values[4] : 0
        return (total - idle, total)
    }
}
