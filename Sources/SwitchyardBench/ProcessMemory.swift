#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A process's memory as Linux reports it in `/proc/<pid>/status`.
struct ProcessMemory: Sendable {
    /// Resident set size now (`VmRSS`), in KiB.
    var residentKiB: Int
    /// Highest resident set size so far (`VmHWM`), in KiB.
    var peakKiB: Int

    /// Reads `/proc/<pid>/status`; nil when the process is gone or the fields are missing.
    static func sample(pid: Int32) -> ProcessMemory? {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        var resident: Int?
        var peak: Int?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
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
