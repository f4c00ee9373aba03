/// Every constant of the inter-process wire format, in one place (docs/protocol.md §2).
package enum WireConstants {
    /// The two magic bytes that open every header frame: ASCII "SY".
    package static let magic: (UInt8, UInt8) = (0x53, 0x59)
    /// The protocol version this build speaks. A receiver MUST drop any other version.
    package static let version: UInt8 = 1
    /// Size of the fixed part of the header frame, before the origin bytes.
    package static let fixedHeaderSize = 33
    /// Longest origin (gateway or process id) in bytes.
    package static let maxOriginLength = 64
    /// Longest string inside a body (u16 length prefix).
    package static let maxStringLength = Int(UInt16.max)
    /// Prefix of the PUB/SUB topic that carries replies to one gateway: `R/<origin>/`.
    package static let replyTopicPrefix: [UInt8] = Array("R/".utf8)
    /// Prefix of the PUB/SUB topics that carry events to every gateway: `E/<product code>/`.
    package static let eventTopicPrefix: [UInt8] = Array("E/".utf8)
    /// Default number of partitions of a new fleet.
    package static let defaultPartitionCount = 64
    /// Default for the largest frame a process accepts on any ZeroMQ socket (`ZMQ_MAXMSGSIZE`): far above every
    /// legal message (a file chunk is 256 KiB, a full lobby list about 3 MB) except a presence snapshot of a
    /// partition with hundreds of thousands of users; a peer sending more is disconnected unread.
    package static let defaultMaxMessageBytes = 64 << 20
    /// How many map epochs a command may be ahead of the worker's adopted map. A gateway that adopted a newer map
    /// is ahead by one or two while a change spreads; a command further ahead than this names a map no supervisor
    /// sent, and is refused (`notOwner`: a genuine sender retries once the worker has caught up).
    package static let maxEpochLead: UInt64 = 64
    /// Length of a CURVE public key in Z85 text, as the map's key list carries it.
    package static let publicKeyLength = 40
    /// Most partitions a fleet may have (partition numbers are u16).
    package static let maxPartitionCount = 4096
}
