import Testing

/// Polls `condition` (yielding in between) until it holds, or records a failure at the deadline: a wait on a
/// condition, never a sleep for a guessed time.
package func pollUntil(_ what: String, deadline: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: deadline)
    while !condition() {
        guard clock.now < end else {
            Issue.record("timed out waiting for \(what)")
            return
        }
        await Task.yield()
    }
}
