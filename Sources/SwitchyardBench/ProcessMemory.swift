/// A process's memory as Linux reports it in `/proc/<pid>/status`.
struct ProcessMemory: Sendable {
    /// Resident set size now (`VmRSS`), in KiB.
    var residentKiB: Int
    /// Highest resident set size so far (`VmHWM`), in KiB.
    var peakKiB: Int

    /// Reads `/proc/<pid>/status`; nil when the process is gone or the fields are missing.
    static func sample(pid: Int32) -> ProcessMemory? {
        guard let text = ProcFS.contents("/proc/\(pid)/status") else { return nil }
        var resident: Int?
        var peak: Int?
        for line in text.split(separator: "\n") {
            // "VmRSS:\t   12345 kB"
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2 else { continue }
            if parts[0] == "VmRSS:" { resident = Int(parts[1]) }
            if parts[0] == "VmHWM:" { peak = Int(parts[1]) }
        }
        guard let resident, let peak else { return nil }
        return ProcessMemory(residentKiB: resident, peakKiB: peak)
    }
}
