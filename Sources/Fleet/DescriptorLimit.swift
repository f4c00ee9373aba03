#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's file-descriptor limit (`RLIMIT_NOFILE`). Every role raises its soft limit to the hard one at start,
/// so the limit an operator sets (`ulimit -Hn`, systemd's `LimitNOFILE`) is the one in force.
package struct DescriptorLimit: Sendable, Hashable, CustomStringConvertible {
    /// Descriptors the process may have open.
    package var soft: Int
    /// The ceiling `soft` may be raised to without privileges.
    package var hard: Int

    /// Creates a limit from its two values.
    package init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    /// The limit in force now.
    package static func current() -> DescriptorLimit {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return DescriptorLimit(soft: 1024, hard: 1024) }
        return DescriptorLimit(soft: Self.clamp(limit.rlim_cur), hard: Self.clamp(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one (where they differ) and returns the limit then in force.
    @discardableResult
    package static func raiseToHard() -> DescriptorLimit {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return current() }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            // An unlimited hard limit is refused as a soft one on Linux (above fs.nr_open): keep the old value then.
            _ = setrlimit(Self.resource, &raised)
        }
        return current()
    }

    /// `soft/hard`, as `ulimit` would say.
    package var description: String { "\(soft)/\(hard)" }

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif

    private static func clamp(_ value: rlim_t) -> Int { value > rlim_t(Int.max) ? Int.max : Int(value) }
}
