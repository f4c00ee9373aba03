import Synchronization
package import Wire

/// Counters and histograms a process reports to the supervisor in each heartbeat (and so in `/metrics`).
///
/// Every count is an atomic: the gateway's event loops and ZeroMQ thread and the worker's commit threads add to
/// them per message, and a lock shared by all of them would be a point of contention on the hot path.
package final class ProcessCounters: Sendable {
    private let processed = Atomic<UInt64>(0)
    private let malformedCount = Atomic<UInt64>(0)
    private let slowClientsClosed = Atomic<UInt64>(0)
    private let ready = Atomic<Bool>(false)
    /// By `EdgeCounter` raw value.
    private let edge: InlineArray<64, Atomic<UInt64>>
    /// By `Self.slot(_:product:)`.
    private let histograms: [AtomicHistogram]

    /// Creates zeroed counters.
    package init() {
        edge = InlineArray { _ in Atomic(0) }
        histograms = (0..<(Measure.allCases.count + 1) * Self.productSlots).map { slot in
            AtomicHistogram(bounds: Measure(rawValue: UInt8(slot / Self.productSlots))?.bounds ?? [])
        }
    }

    /// Counts `n` processed commands or requests.
    package func addProcessed(_ n: Int) { processed.wrappingAdd(UInt64(max(n, 0)), ordering: .relaxed) }
    /// Counts one dropped malformed message.
    package func addMalformed() { malformedCount.wrappingAdd(1, ordering: .relaxed) }
    /// Counts one client connection closed because its outgoing queue passed its limit.
    package func addSlowClientClosed() { slowClientsClosed.wrappingAdd(1, ordering: .relaxed) }
    /// Counts what a process did: protected itself from a client or a stranger, took in or sent a message.
    package func add(_ counter: EdgeCounter, count: Int = 1) {
        edge[Int(counter.rawValue)].wrappingAdd(UInt64(max(count, 0)), ordering: .relaxed)
    }
    /// Sets a reported value that is a state, not a count (`EdgeCounter.defaultPasswordAccounts`).
    package func set(_ counter: EdgeCounter, to value: UInt64) {
        edge[Int(counter.rawValue)].store(value, ordering: .relaxed)
    }
    /// Moves a state counter by `delta` (never below 0): a connection opened (+1) or closed (-1).
    package func adjust(_ counter: EdgeCounter, by delta: Int) {
        let cell = Int(counter.rawValue)
        var current = edge[cell].load(ordering: .relaxed)
        while true {
            let next = UInt64(max(0, Int64(clamping: current) + Int64(delta)))
            let (exchanged, original) = edge[cell].weakCompareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
    /// The current value of an edge counter.
    package func value(of counter: EdgeCounter) -> UInt64 { edge[Int(counter.rawValue)].load(ordering: .relaxed) }
    /// Marks the process ready (or not).
    package func setReady(_ ready: Bool) { self.ready.store(ready, ordering: .relaxed) }
    /// Malformed messages so far.
    package var malformed: UInt64 { malformedCount.load(ordering: .relaxed) }

    /// Records one observation of `measure` (for `product`, if it is per product), in the measure's unit.
    package func observe(_ measure: Measure, product: ProductCode? = nil, _ value: UInt64) {
        // A per-product measure without a client product (or another with one) would be counted where no heartbeat
        // ever reads it.
        assert(
            measure.isPerProduct == (product.map { $0 != .fleet } ?? false),
            "\(measure) with product \(String(describing: product))")
        histograms[Self.slot(measure, product: product)].observe(value)
    }

    /// Records a duration of `measure` that began at `start` and ends now.
    package func observeDuration(
        _ measure: Measure, product: ProductCode? = nil, since start: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        observe(measure, product: product, UInt64(max(0, micros)))
    }

    /// The counts of one histogram so far.
    package func histogram(_ key: MeasureKey) -> HistogramCounts {
        histograms[Self.slot(key.measure, product: key.product)].counts
    }

    /// The heartbeat body for the current values, the engine's count of dropped outbound messages and the
    /// partitions whose files are open (none for a gateway).
    package func heartbeat(droppedOutbound: Int, heldPartitions: [UInt16] = []) -> HeartbeatMessage {
        var counters: [EdgeCounter: UInt64] = [:]
        for counter in EdgeCounter.allCases {
            let value = value(of: counter)
            if value > 0 { counters[counter] = value }
        }
        var measured: [MeasureKey: HistogramCounts] = [:]
        for key in MeasureKey.all {
            let counts = histogram(key)
            if counts.count > 0 { measured[key] = counts }
        }
        return HeartbeatMessage(
            processed: processed.load(ordering: .relaxed), malformed: malformed,
            dropped: UInt64(max(0, droppedOutbound)), ready: ready.load(ordering: .relaxed),
            slowClientsClosed: slowClientsClosed.load(ordering: .relaxed), heldPartitions: heldPartitions,
            edge: counters, histograms: measured)
    }

    /// One slot per product code for every measure, so a lookup is arithmetic rather than hashing.
    private static let productSlots = ProductCode.allCases.count
    private static func slot(_ measure: Measure, product: ProductCode?) -> Int {
        Int(measure.rawValue) * productSlots + Int(product?.rawValue ?? 0)
    }
}

/// A histogram whose buckets are atomics, observed from any thread without a lock.
final class AtomicHistogram: Sendable {
    /// Enough for every `Measure`'s buckets (checked by a test).
    static let capacity = 24
    private let bounds: [UInt64]
    private let buckets: InlineArray<24, Atomic<UInt64>>
    private let sum = Atomic<UInt64>(0)

    init(bounds: [UInt64]) {
        precondition(bounds.count < Self.capacity)
        self.bounds = bounds
        buckets = InlineArray { _ in Atomic(0) }
    }

    /// Counts `value` in the first bucket whose bound it does not exceed (Prometheus's `le`), or in +Inf.
    func observe(_ value: UInt64) {
        var bucket = 0
        while bucket < bounds.count, value > bounds[bucket] { bucket += 1 }
        buckets[bucket].wrappingAdd(1, ordering: .relaxed)
        sum.wrappingAdd(value, ordering: .relaxed)
    }

    /// The counts so far (not one atomic snapshot: an observation under way may show in a bucket and not yet in
    /// the sum, which the next heartbeat corrects).
    var counts: HistogramCounts {
        HistogramCounts(
            buckets: (0...bounds.count).map { buckets[$0].load(ordering: .relaxed) },
            sum: sum.load(ordering: .relaxed))
    }
}
