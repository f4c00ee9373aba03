/// The header frame every wire message carries (docs/protocol.md §3).
package struct Envelope: Sendable, Hashable {
    /// What the message is.
    package var kind: MessageKind
    /// Which product it belongs to.
    package var product: ProductCode
    /// Transport status; `.ok` except in replies.
    package var status: ReplyStatus
    /// Partition the command addresses (0 for control traffic).
    package var partition: UInt16
    /// Partition-map epoch the sender acted on.
    package var epoch: UInt64
    /// Chosen by the origin; echoed unchanged in the reply.
    package var correlation: UInt64
    /// Per-stream sequence number for events; 0 where unused.
    package var sequence: UInt64
    /// Id of the process that sent the command (a reply's topic names it).
    package var origin: String

    /// Creates an envelope.
    package init(
        kind: MessageKind, product: ProductCode = .fleet, status: ReplyStatus = .ok, partition: UInt16 = 0,
        epoch: UInt64 = 0, correlation: UInt64 = 0, sequence: UInt64 = 0, origin: String
    ) {
        self.kind = kind
        self.product = product
        self.status = status
        self.partition = partition
        self.epoch = epoch
        self.correlation = correlation
        self.sequence = sequence
        self.origin = origin
    }

    /// The envelope of the reply to this command: same correlation, product and partition.
    package func reply(kind: MessageKind = .reply, status: ReplyStatus, epoch: UInt64, origin: String) -> Envelope {
        Envelope(
            kind: kind, product: product, status: status, partition: partition, epoch: epoch,
            correlation: correlation, sequence: 0, origin: origin)
    }
}
