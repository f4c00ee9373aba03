import NIOCore

/// A token bucket for the messages of one WebSocket (docs/operations.md, "Client limits"): `rate` tokens a second
/// and at most `rate` saved up, so a client may burst a second's worth and then keep the rate. A message past its
/// budget is not refused: the connection is simply not read until a token is due, and TCP back-pressure slows the
/// client down. Times are monotonic nanoseconds, passed in.
struct MessageBucket: Sendable, Hashable {
    /// Tokens per second (and the bucket's size).
    let rate: Int
    private var tokens: Double
    private var last: Int64

    /// A full bucket at `now`, or nil when `rate` is 0 (no limit).
    init?(rate: Int, at now: Int64) {
        guard rate > 0 else { return nil }
        self.rate = rate
        tokens = Double(rate)
        last = now
    }

    /// Takes a token for one message at `now`; nil if one was there, else how long until it is due (the token is
    /// taken all the same: the caller waits that long, then goes on).
    mutating func take(at now: Int64) -> Duration? {
        if now > last {
            tokens = min(Double(rate), tokens + Double(now - last) * Double(rate) / 1e9)
            last = now
        }
        tokens -= 1
        guard tokens < 0 else { return nil }
        return .nanoseconds(Int64((-tokens / Double(rate) * 1e9).rounded(.up)))
    }

}

/// Holds back one WebSocket's reads to its message rate, counting each message held back.
struct MessagePacer: Sendable {
    private var bucket: MessageBucket?
    private let onHeld: @Sendable () -> Void

    /// A pacer for `rate` messages a second (0: none).
    init(rate: Int, onHeld: @escaping @Sendable () -> Void) {
        bucket = MessageBucket(rate: rate, at: monotonicNanoseconds())
        self.onHeld = onHeld
    }

    /// Called once per message read: returns at once while under the rate, else after the message's token is due.
    mutating func pace() async throws {
        guard var current = bucket else { return }
        let wait = current.take(at: monotonicNanoseconds())
        bucket = current
        if let wait {
            onHeld()
            try await Task.sleep(for: wait)
        }
    }
}

/// The monotonic clock the edge's pure state machines are fed with (`ConnectionDeadlines`, `MessageBucket`,
/// `LoginThrottle`), in nanoseconds.
package func monotonicNanoseconds() -> Int64 { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }
