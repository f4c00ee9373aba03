import Synchronization

/// The queue between the code that produces a connection's messages and the one task that writes them to its
/// socket, bounded in messages and in bytes: a client that stops reading would otherwise keep everything sent to it
/// in the gateway's memory.
///
/// The writer task reports a message as gone (`written`) once the WebSocket writer accepted it; that writer waits
/// while the channel is not writable (NIO's high-water mark), so a stalled socket stops the count from going down
/// and the bound holds. A message that would pass either bound is replaced by `overflow` (a close), the outbox
/// finishes, and `onOverflow` runs once. One message larger than `maxBytes` is still accepted into an empty outbox,
/// so a big but legitimate message (a full table list) does not close a client that keeps up.
final class BoundedOutbox<Item: Sendable>: Sendable {
    /// The writer's end: items in order.
    let items: AsyncStream<Item>
    private let queue: AsyncStream<Item>.Continuation
    /// Unwritten messages and bytes; nil once overflowed.
    private let queued = Mutex<(messages: Int, bytes: Int)?>((0, 0))
    private let maxMessages: Int
    private let maxBytes: Int
    private let size: @Sendable (Item) -> Int
    private let overflow: Item
    private let onOverflow: @Sendable () -> Void
    /// Where the bytes this outbox holds are added up gateway-wide (the overload monitor's measure).
    private let accounting: EdgePolicy?

    /// An outbox holding at most `maxMessages` unwritten items of at most `maxBytes` together (by `size`);
    /// `overflow` is the last item queued when it would hold more.
    init(
        maxMessages: Int, maxBytes: Int, size: @escaping @Sendable (Item) -> Int, overflow: Item,
        accounting: EdgePolicy? = nil, onOverflow: @escaping @Sendable () -> Void
    ) {
        self.accounting = accounting
        (items, queue) = AsyncStream.makeStream(of: Item.self)
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = max(1, maxBytes)
        self.size = size
        self.overflow = overflow
        self.onOverflow = onOverflow
    }

    /// Queues `item`; false (and the overflow item queued instead, once) when it would pass a bound.
    @discardableResult
    func send(_ item: Item) -> Bool {
        let bytes = size(item)
        let (accepted, delta) = queued.withLock { queued -> (Bool?, Int) in
            guard let (messages, total) = queued else { return (nil, 0) }
            guard messages < maxMessages, messages == 0 || total + bytes <= maxBytes else {
                queued = nil
                return (false, -total)
            }
            queued = (messages + 1, total + bytes)
            return (true, bytes)
        }
        accounting?.queuedBytesChanged(by: delta)
        switch accepted {
        case true?:
            queue.yield(item)
            return true
        case false?:
            queue.yield(overflow)
            queue.finish()
            onOverflow()
            return false
        case nil:
            return false
        }
    }

    /// The writer wrote `item`.
    func written(_ item: Item) {
        let bytes = size(item)
        let delta = queued.withLock { queued -> Int in
            guard let (messages, total) = queued else { return 0 }
            queued = (max(0, messages - 1), max(0, total - bytes))
            return -min(total, bytes)
        }
        accounting?.queuedBytesChanged(by: delta)
    }

    deinit {
        // What was never written leaves the gateway's total with the outbox.
        let left = queued.withLock { $0?.bytes ?? 0 }
        accounting?.queuedBytesChanged(by: -left)
    }

    /// Ends the stream after what is queued (the connection is closing).
    func finish() { queue.finish() }

    /// Queues `last` whatever the bounds (a close the protocol asks for), then ends the stream.
    func finish(with last: Item) {
        queue.yield(last)
        queue.finish()
    }
}
