/// The kind of a wire message (header byte 3).
package enum MessageKind: UInt8, Sendable, CaseIterable {
    /// Gateway → worker: apply or read something in one partition.
    case command = 1
    /// Worker → gateway (over PUB, topic = origin): the answer to one command.
    case reply = 2
    /// Gateway → worker: liveness probe that also proves the reply subscription is live.
    case ping = 3
    /// Worker → gateway (over PUB): the answer to a ping.
    case pong = 4
    /// Process → supervisor: "I am up", with role, pid and endpoints.
    case hello = 5
    /// Process ↔ supervisor: periodic liveness, carrying the sender's known map epoch.
    case heartbeat = 6
    /// Supervisor → process: the partition map.
    case map = 7
    /// Worker → every gateway (over PUB, topic `E/<product>/`): changes to a partition's shared state, numbered by
    /// the envelope's sequence.
    case event = 8
    /// Worker → worker (DEALER → ROUTER): a piece of a partition's file, for a move between hosts.
    case fetch = 9
    /// Worker → worker (ROUTER → DEALER): the answer to a `fetch`.
    case chunk = 10
    /// Several commands, pings, replies, pongs or events of one stream in one message (`WireBatch`): sent where
    /// messages queue up faster than a socket sends them, so that a burst crosses the link as one frame.
    case batch = 11
}

/// The product a command belongs to (header byte 4).
package enum ProductCode: UInt8, Sendable, CaseIterable {
    /// Fleet control traffic (hello, heartbeat, map, ping).
    case fleet = 0
    /// Step tracker.
    case steps = 1
    /// Learning stats.
    case stats = 2
    /// Presence.
    case presence = 3
    /// Game lobby.
    case lobby = 4
}

/// Outcome of a command at the transport level (header byte 5 of a reply).
package enum ReplyStatus: UInt8, Sendable, CaseIterable {
    /// Applied (or read); the body holds the product reply.
    case ok = 0
    /// The worker does not own the partition at this epoch; the gateway retries with a newer map.
    case notOwner = 1
    /// The command body could not be decoded; not retried.
    case malformed = 2
    /// Storage failed; nothing was committed; the gateway may retry an idempotent command.
    case failed = 3
}
