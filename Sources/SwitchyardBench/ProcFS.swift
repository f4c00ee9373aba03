#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading Linux's `/proc`, shared by the CPU and memory samplers.
enum ProcFS {
    /// A small file of `/proc`, read whole; nil if it cannot be opened.
    static func contents(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
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
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every process id now in `/proc`.
    static func pids() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    /// `/proc/<pid>/stat`: the command name and the fields after it (field 3 onwards); nil when the process is gone.
    static func stat(_ pid: Int32) -> (command: String, fields: [Substring])? {
        guard let text = contents("/proc/\(pid)/stat"), let open = text.firstIndex(of: "("),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return (String(text[text.index(after: open)..<close]), text[text.index(after: close)...].split(separator: " "))
    }

    /// User + system time of `pid` in clock ticks (`stat` fields 14 and 15).
    static func ticks(_ pid: Int32) -> UInt64? {
        guard let fields = stat(pid)?.fields, fields.count > 12, let user = UInt64(fields[11]),
            let system = UInt64(fields[12])
        else { return nil }
        return user + system
    }

    /// The arguments of `pid` (`/proc/<pid>/cmdline`), empty ones kept; nil when the process is gone.
    static func arguments(_ pid: Int32) -> [String]? {
        contents("/proc/\(pid)/cmdline").map {
            $0.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
