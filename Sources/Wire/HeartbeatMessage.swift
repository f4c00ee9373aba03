/// Body of a `heartbeat` (docs/protocol.md §5.2). The header's epoch carries the sender's known map epoch.
package struct HeartbeatMessage: Sendable, Hashable {
    /// Commands applied since the process started (workers) or requests served (gateways).
    package var processed: UInt64
    /// Inter-process messages this process dropped as malformed since it started.
    package var malformed: UInt64
    /// Outbound messages this process dropped (socket queue over its limit, or unroutable) since it started.
    package var dropped: UInt64
    /// Whether the process serves: a worker with its partitions open, a gateway with its listeners bound.
    package var ready: Bool
    /// Client connections the process closed because their outgoing queue passed its limit (gateways).
    package var slowClientsClosed: UInt64
    /// Partitions whose files the process has open, including ones it is still draining after a map took them
    /// away (workers; empty for gateways). The supervisor hands a moved partition to its new owner only once the
    /// old owner no longer lists it. Nil in the short form, which says nothing about files.
    package var heldPartitions: [UInt16]?
    /// Partitions whose file this worker fetched from another host and verified, waiting for the supervisor to
    /// record the new copy as current (a map without their transfer) before it opens them (docs/protocol.md §5.5).
    package var fetchedPartitions: [UInt16]
    /// The gateway's edge counters (docs/protocol.md §5.2); only non-zero ones travel, in the long form.
    package var edge: [EdgeCounter: UInt64]
    /// The process's histograms since it started (docs/protocol.md §5.2); only non-empty ones travel, in the long
    /// form.
    package var histograms: [MeasureKey: HistogramCounts]

    /// Creates a heartbeat.
    package init(
        processed: UInt64 = 0, malformed: UInt64 = 0, dropped: UInt64 = 0, ready: Bool,
        slowClientsClosed: UInt64 = 0, heldPartitions: [UInt16]? = nil, fetchedPartitions: [UInt16] = [],
        edge: [EdgeCounter: UInt64] = [:], histograms: [MeasureKey: HistogramCounts] = [:]
    ) {
        self.edge = edge
        self.histograms = histograms
        self.fetchedPartitions = fetchedPartitions
        self.processed = processed
        self.malformed = malformed
        self.dropped = dropped
        self.ready = ready
        self.slowClientsClosed = slowClientsClosed
        self.heldPartitions = heldPartitions
    }

    /// Encodes the body frame: the long form when `heldPartitions` is set, else the short one.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 39 + 2 * ((heldPartitions?.count ?? 0) + fetchedPartitions.count))
        w.write(processed)
        w.write(malformed)
        w.write(dropped)
        w.write(ready ? UInt8(1) : 0)
        if let heldPartitions {
            w.write(slowClientsClosed)
            w.write(UInt16(heldPartitions.count))
            for p in heldPartitions { w.write(p) }
            w.write(UInt16(fetchedPartitions.count))
            for p in fetchedPartitions { w.write(p) }
            let counters = EdgeCounter.allCases.filter { (edge[$0] ?? 0) > 0 }
            let measured = MeasureKey.all.filter { key in
                histograms[key].map { $0.count > 0 && $0.buckets.count == key.measure.bucketCount } ?? false
            }
            if !counters.isEmpty || !measured.isEmpty {
                w.write(UInt8(counters.count))
                for c in counters {
                    w.write(c.rawValue)
                    w.write(edge[c] ?? 0)
                }
            }
            if !measured.isEmpty {
                w.write(UInt8(measured.count))
                for key in measured {
                    let counts = histograms[key] ?? HistogramCounts(buckets: [], sum: 0)
                    w.write(key.measure.rawValue)
                    w.write(key.product?.rawValue ?? 0)
                    w.write(UInt8(counts.buckets.count))
                    for bucket in counts.buckets { w.write(bucket) }
                    w.write(counts.sum)
                }
            }
        }
        return w.bytes
    }

    /// Most buckets a histogram may have on the wire (a bound for a receiver skipping an unknown measure).
    static let maxBuckets = 64

    /// Decodes a body frame (an empty body is the supervisor's bare heartbeat).
    package init(decoding frame: [UInt8]) throws(WireError) {
        if frame.isEmpty {
            self.init(processed: 0, ready: true)
            return
        }
        var r = ByteReader(frame)
        let processed = try r.readUInt64()
        let malformed = try r.readUInt64()
        let dropped = try r.readUInt64()
        let ready = try r.readByte()
        guard ready <= 1 else { throw WireError(.badValue, "ready \(ready)") }
        var slow: UInt64 = 0
        var held: [UInt16]?
        var fetched: [UInt16] = []
        var edge: [EdgeCounter: UInt64] = [:]
        var histograms: [MeasureKey: HistogramCounts] = [:]
        var extended = false
        func list(_ what: String) throws(WireError) -> [UInt16] {
            let n = Int(try r.readUInt16())
            guard n <= WireConstants.maxPartitionCount else { throw WireError(.badValue, "\(what) partitions \(n)") }
            var partitions: [UInt16] = []
            partitions.reserveCapacity(n)
            for _ in 0..<n { partitions.append(try r.readUInt16()) }
            return partitions
        }
        if r.remaining > 0 {
            slow = try r.readUInt64()
            held = try list("held")
            fetched = try list("fetched")
            if r.remaining > 0 {
                let n = Int(try r.readByte())
                for _ in 0..<n {
                    let code = try r.readByte()
                    let value = try r.readUInt64()
                    // Unknown codes come from a newer gateway: skipped, not an error.
                    if let counter = EdgeCounter(rawValue: code) { edge[counter] = value }
                }
                // An empty counter list is written only in front of histograms.
                guard n > 0 || r.remaining > 0 else { throw WireError(.badValue, "empty edge counter list") }
            }
            if r.remaining > 0 {
                histograms = try Self.readHistograms(&r)
                // What follows the histogram list is a newer sender's (docs/protocol.md §5.8): skipped.
                extended = true
            }
        }
        if !extended { try r.expectEnd() }
        self.init(
            processed: processed, malformed: malformed, dropped: dropped, ready: ready == 1, slowClientsClosed: slow,
            heldPartitions: held, fetchedPartitions: fetched, edge: edge, histograms: histograms)
    }

    /// Reads the histogram list: `u8 h (h ≥ 1) | (u8 measure | u8 product | u8 b | u64 × b | u64 sum) × h`.
    private static func readHistograms(_ r: inout ByteReader) throws(WireError) -> [MeasureKey: HistogramCounts] {
        let n = Int(try r.readByte())
        // An empty list is written only in front of a newer sender's additions.
        guard n > 0 || r.remaining > 0 else { throw WireError(.badValue, "empty histogram list") }
        var histograms: [MeasureKey: HistogramCounts] = [:]
        for _ in 0..<n {
            let code = try r.readByte()
            let productCode = try r.readByte()
            let b = Int(try r.readByte())
            guard b >= 1, b <= maxBuckets else { throw WireError(.badValue, "histogram of \(b) buckets") }
            var buckets: [UInt64] = []
            buckets.reserveCapacity(b)
            for _ in 0..<b { buckets.append(try r.readUInt64()) }
            let sum = try r.readUInt64()
            // A measure this version does not know comes from a newer process: skipped, not an error.
            guard let measure = Measure(rawValue: code) else { continue }
            guard b == measure.bucketCount else {
                throw WireError(.badValue, "histogram \(code) with \(b) buckets, not \(measure.bucketCount)")
            }
            let product: ProductCode?
            if measure.isPerProduct {
                guard let known = ProductCode(rawValue: productCode), known != .fleet else {
                    throw WireError(.badValue, "histogram \(code) for product \(productCode)")
                }
                product = known
            } else {
                guard productCode == 0 else { throw WireError(.badValue, "histogram \(code) with a product") }
                product = nil
            }
            let key = MeasureKey(measure, product: product)
            guard histograms[key] == nil else { throw WireError(.badValue, "histogram \(code) twice") }
            histograms[key] = HistogramCounts(buckets: buckets, sum: sum)
        }
        return histograms
    }
}
