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

    /// Creates a heartbeat.
    public init(processed: UInt64 = 0, malformed: UInt64 = 0, dropped: UInt64 = 0, ready: Bool) {
        self.processed = processed
        self.malformed = malformed
        self.dropped = dropped
        self.ready = ready
    }

    /// Encodes the body frame.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 25)
        w.write(processed)
        w.write(malformed)
        w.write(dropped)
        w.write(ready ? UInt8(1) : 0)
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
        try r.expectEnd()
        self.init(processed: processed, malformed: malformed, dropped: dropped, ready: ready == 1)
    }
}
