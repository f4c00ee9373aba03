/// Body of a `heartbeat` (docs/protocol.md §5.2). The header's epoch carries the sender's known map epoch.
public struct HeartbeatMessage: Sendable, Hashable {
    /// Commands applied since the process started (workers) or requests served (gateways).
    public var processed: UInt64
    /// Inter-process messages this process dropped as malformed since it started.
    public var malformed: UInt64
    /// Outbound messages this process dropped (socket queue over its limit, or unroutable) since it started.
    public var dropped: UInt64
    /// Whether the process serves: a worker with its partitions open, a gateway with its listeners bound.
    public var ready: Bool
    /// Client connections the process closed because their outgoing queue passed its limit (gateways).
    public var slowClientsClosed: UInt64
    /// Partitions whose files the process has open, including ones it is still draining after a map took them
    /// away (workers; empty for gateways). The supervisor hands a moved partition to its new owner only once the
    /// old owner no longer lists it. Nil in the short form, which says nothing about files.
    public var heldPartitions: [UInt16]?
    /// Partitions whose file this worker fetched from another host and verified, waiting for the supervisor to
    /// record the new copy as current (a map without their transfer) before it opens them (docs/protocol.md §5.5).
    public var fetchedPartitions: [UInt16]
    /// The gateway's edge counters (docs/protocol.md §5.2); only non-zero ones travel, in the long form.
    public var edge: [EdgeCounter: UInt64]

    /// Creates a heartbeat.
    public init(
        processed: UInt64 = 0, malformed: UInt64 = 0, dropped: UInt64 = 0, ready: Bool,
        slowClientsClosed: UInt64 = 0, heldPartitions: [UInt16]? = nil, fetchedPartitions: [UInt16] = [],
        edge: [EdgeCounter: UInt64] = [:]
    ) {
        self.edge = edge
        self.fetchedPartitions = fetchedPartitions
        self.processed = processed
        self.malformed = malformed
        self.dropped = dropped
        self.ready = ready
        self.slowClientsClosed = slowClientsClosed
        self.heldPartitions = heldPartitions
    }

    /// Encodes the body frame: the long form when `heldPartitions` is set, else the short one.
    public func encoded() -> [UInt8] {
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
            if !counters.isEmpty {
                w.write(UInt8(counters.count))
                for c in counters {
                    w.write(c.rawValue)
                    w.write(edge[c] ?? 0)
                }
            }
        }
        return w.bytes
    }

    /// Decodes a body frame (an empty body is the supervisor's bare heartbeat).
    public init(decoding frame: [UInt8]) throws(WireError) {
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
                // Sent only when some counter is non-zero, so an empty list is not a form of this message.
                guard n > 0 else { throw WireError(.badValue, "empty edge counter list") }
                for _ in 0..<n {
                    let code = try r.readByte()
                    let value = try r.readUInt64()
                    // Unknown codes come from a newer gateway: skipped, not an error.
                    if let counter = EdgeCounter(rawValue: code) { edge[counter] = value }
                }
            }
        }
        try r.expectEnd()
        self.init(
            processed: processed, malformed: malformed, dropped: dropped, ready: ready == 1, slowClientsClosed: slow,
            heldPartitions: held, fetchedPartitions: fetched, edge: edge)
    }
}
