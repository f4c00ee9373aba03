/// Limits of the step tracker (docs/operations.md lists each as a setting).
package struct StepsLimits: Sendable, Hashable {
    /// Longest username in UTF-8 bytes (contracts §1).
    package var maxUsernameBytes: Int
    /// Longest update_id in UTF-8 bytes. The contract sets no limit; the default is what the wire format carries
    /// (a WebSocket frame is smaller anyway).
    package var maxUpdateIDBytes: Int
    /// How many applied update ids are at least remembered per user for exactly-once (older ones are forgotten in
    /// bulk every `dedupeWindow / 8` updates, so up to `dedupeWindow / 8 - 1` more may be remembered).
    package var dedupeWindow: Int

    /// Creates limits.
    package init(maxUsernameBytes: Int = 256, maxUpdateIDBytes: Int = 65_535, dedupeWindow: Int = 10_000) {
        self.maxUsernameBytes = maxUsernameBytes
        self.maxUpdateIDBytes = maxUpdateIDBytes
        self.dedupeWindow = dedupeWindow
    }

    /// The defaults.
    package static let `default` = StepsLimits()

    /// Largest `newSteps` of one update. The contract asks only for a finite number ≥ 0; without a bound two
    /// updates of 1e308 would make a total no JSON number can carry. At this bound a total stays finite for more
    /// updates than any user can send.
    package static let maxNewSteps = 1e15
}
