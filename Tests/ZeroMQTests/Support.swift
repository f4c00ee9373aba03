import Foundation
import Logging
import ZeroMQ

/// The transports every socket-pattern test runs over.
enum Transport: String, CaseIterable, Sendable {
    case inproc
    case tcp

    /// An endpoint to bind; the connect side reads the real one back with `lastEndpoint`.
    func bindEndpoint() -> String {
        switch self {
        case .inproc: "inproc://test-\(UUID().uuidString)"
        case .tcp: "tcp://127.0.0.1:*"
        }
    }
}

/// Reads batches until `count` messages arrived or the stream ended; also returns how many batches it took.
func collect(
    _ count: Int,
    from iterator: inout AsyncStream<[ZMQMessage]>.Iterator
) async -> (messages: [ZMQMessage], batches: Int) {
    var messages: [ZMQMessage] = []
    var batches = 0
    while messages.count < count, let batch = await iterator.next() {
        messages += batch
        batches += 1
    }
    return (messages, batches)
}

/// UTF-8 bytes of a string, for readable frames.
func bytes(_ string: String) -> [UInt8] {
    Array(string.utf8)
}
