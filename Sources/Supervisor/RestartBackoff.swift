/// When to restart a process that exited: at once after a long healthy run, then with doubling delays while it
/// keeps dying young.
package struct RestartBackoff: Sendable, Hashable {
    /// Delay after the first quick death.
    package var initial: Duration
    /// Largest delay.
    package var maximum: Duration
    /// A run at least this long counts as healthy and resets the delay.
    package var stableAfter: Duration
    /// Consecutive quick deaths so far.
    package private(set) var quickDeaths = 0

    /// Creates a policy.
    package init(
        initial: Duration = .milliseconds(200), maximum: Duration = .seconds(10), stableAfter: Duration = .seconds(10)
    ) {
        self.initial = initial
        self.maximum = maximum
        self.stableAfter = stableAfter
    }

    /// Records an exit after running for `uptime` and returns how long to wait before the restart.
    package mutating func delayAfterExit(uptime: Duration) -> Duration {
        if uptime >= stableAfter {
            quickDeaths = 0
            return .zero
        }
        quickDeaths += 1
        if quickDeaths == 1 { return .zero }
        var delay = initial
        for _ in 2..<quickDeaths {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
