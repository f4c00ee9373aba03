/// When a started connection counts acks, on the monotonic clock of `NIODeadline.uptimeNanoseconds`.
struct LoadSchedule: Sendable {
    /// Acks from here on are measured.
    var measureStart: UInt64
    /// Acks from here on are not, and no new update is sent.
    var measureEnd: UInt64
    /// Wall-clock milliseconds at monotonic time `monotonicBase`, for the updates' `ts`.
    var wallBaseMs: UInt64
    /// Monotonic nanoseconds matching `wallBaseMs`.
    var monotonicBase: UInt64
}
