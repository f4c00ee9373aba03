internal import CZeroMQ

/// A ZeroMQ socket type; only the patterns the fleet uses are offered.
package struct ZMQSocketType: Sendable, Hashable, CustomStringConvertible {
    /// The libzmq constant passed to `zmq_socket`.
    let rawValue: Int32
    /// A short name for logs.
    package let description: String

    private init(_ rawValue: Int32, _ name: String) {
        self.rawValue = rawValue
        self.description = name
    }

    /// Publisher: fan-out to every matching subscriber, drops at the high-water mark.
    package static let pub = ZMQSocketType(ZMQ_PUB, "PUB")
    /// Subscriber: receives messages whose first frame starts with a subscribed prefix.
    package static let sub = ZMQSocketType(ZMQ_SUB, "SUB")
    /// Dealer: asynchronous request side, round-robins to its peers.
    package static let dealer = ZMQSocketType(ZMQ_DEALER, "DEALER")
    /// Router: prefixes every inbound message with the peer's routing id and routes replies by it.
    package static let router = ZMQSocketType(ZMQ_ROUTER, "ROUTER")
    /// Push: the sending end of a pipeline.
    package static let push = ZMQSocketType(ZMQ_PUSH, "PUSH")
    /// Pull: the receiving end of a pipeline.
    package static let pull = ZMQSocketType(ZMQ_PULL, "PULL")
    /// Pair: exactly one peer, both directions.
    package static let pair = ZMQSocketType(ZMQ_PAIR, "PAIR")
}
