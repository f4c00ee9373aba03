import Wire

/// What a worker does with one inbound message on its command socket (docs/protocol.md §4.1–4.2): the rules that
/// keep every partition's commands applied in the order the gateway sent them.
enum CommandAdmission: Equatable {
    /// Answer the ping with a pong.
    case pong
    /// Send nothing: a ping before the worker has adopted any map. A pong would tell the gateway the link is
    /// ready, and the commands it then sends would be refused while the first map is being opened, but a later
    /// one of the same partition accepted once it is: applied out of order.
    case silent
    /// Apply nothing; answer with this status.
    case refuse(ReplyStatus)
    /// Hand the command to its partition's lane.
    case accept
    /// A worker of another host asks for a partition file (docs/protocol.md §5.5).
    case serveFile
    /// Not a message for the command socket (a pong, a reply…): dropped and counted as malformed, unanswered.
    case drop

    /// The products whose commands a worker applies.
    static let servedProducts: Set<ProductCode> = [.steps, .stats, .presence, .lobby]

    /// Decides for a message with `envelope`, given the worker's adopted map epoch (0 before the first) and the
    /// epoch since which it owns the envelope's partition (nil if it does not).
    static func decide(_ envelope: Envelope, mapEpoch: UInt64, ownedSince: UInt64?) -> CommandAdmission {
        switch envelope.kind {
        case .ping:
            return mapEpoch == 0 ? .silent : .pong
        case .command:
            // A command routed by a newer map than ours is fine as long as we own the partition since an epoch
            // no newer than the command's: its sender saw us as the owner, and we still are.
            guard let since = ownedSince, since <= envelope.epoch else { return .refuse(.notOwner) }
            // A map far newer than ours cannot exist yet: no supervisor sent it.
            guard envelope.epoch <= mapEpoch &+ WireConstants.maxEpochLead else { return .refuse(.notOwner) }
            guard servedProducts.contains(envelope.product) else { return .refuse(.malformed) }
            return .accept
        case .fetch:
            return .serveFile
        default:
            return .drop
        }
    }
}
