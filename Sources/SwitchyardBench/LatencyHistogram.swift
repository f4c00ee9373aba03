/// A log-linear histogram of latencies in microseconds: exact below 512 µs, then 256 buckets per power of two
/// (under 0.4 % error), so recording is one array increment and percentiles need no sorting.
struct LatencyHistogram: Sendable {
    private static let exactLimit: UInt64 = 512
    private static let exactBits = 9
    private static let subBucketBits = 8
    private static let subBuckets = 1 << subBucketBits
    /// Highest power of two kept apart; larger values (over 25 days) share its buckets.
    private static let maxExponent = 40
    private static let bucketCount = Int(exactLimit) + (maxExponent - exactBits + 1) * subBuckets

    private var counts: [UInt64]
    /// Number of recorded values.
    private(set) var count: UInt64 = 0
    /// Largest recorded value, exact.
    private(set) var maxMicros: UInt64 = 0

    /// Creates an empty histogram.
    init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Records one latency.
    @inline(__always)
    mutating func record(micros: UInt64) {
        counts[Self.bucket(of: micros)] &+= 1
        count &+= 1
        if micros > maxMicros { maxMicros = micros }
    }

    /// Adds every value of `other`.
    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count &+= other.count
        maxMicros = max(maxMicros, other.maxMicros)
    }

    /// The value at quantile `q` (0…1): the midpoint of its bucket, never above the maximum; 0 when empty.
    func quantile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen &+= bucketCount
            if seen >= rank { return min(Self.midpoint(of: index), maxMicros) }
        }
        return maxMicros
    }

    @inline(__always)
    private static func bucket(of micros: UInt64) -> Int {
        if micros < exactLimit { return Int(micros) }
        let exponent = min(63 - micros.leadingZeroBitCount, maxExponent)
        let clamped = min(micros, (UInt64(1) << (maxExponent + 1)) - 1)
        let sub = Int((clamped >> (exponent - subBucketBits)) & UInt64(subBuckets - 1))
        return Int(exactLimit) + (exponent - exactBits) * subBuckets + sub
    }

    private static func midpoint(of index: Int) -> UInt64 {
        if index < Int(exactLimit) { return UInt64(index) }
        let exponent = (index - Int(exactLimit)) / subBuckets + exactBits
        let sub = UInt64((index - Int(exactLimit)) % subBuckets)
        let width = UInt64(1) << (exponent - subBucketBits)
        return (UInt64(subBuckets) + sub) * width + width / 2
    }
}
