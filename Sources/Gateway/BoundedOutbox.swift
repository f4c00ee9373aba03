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
    /// Set for a writer on an event loop (`takeQueued`), instead of the `items` stream.
    private let pulled: Pulled?
    /// Items of which only the newest matters (a pulled outbox): one replaces an earlier one still queued.
    private let supersedes: (@Sendable (Item) -> Bool)?

    /// The items of a pulled outbox, and whether its writer was told there is something to take.
    private final class Pulled: Sendable {
        private struct State {
            var items: [Item] = []
            var finished = false
            var woken = false
            /// Dropped when the writer goes away (it usually holds the outbox too).
            var wake: (@Sendable () -> Void)?
        }
        private let state: Mutex<State>
        init(wake: @escaping @Sendable () -> Void) { state = Mutex(State(wake: wake)) }

        func append(_ item: Item?, finish: Bool) {
            let wake = state.withLock { state -> (@Sendable () -> Void)? in
                guard !state.finished else { return nil }
                if let item { state.items.append(item) }
                if finish { state.finished = true }
                defer { state.woken = true }
                return state.woken ? nil : state.wake
            }
            wake?()
        }

        func take() -> (items: [Item], finished: Bool) {
            state.withLock { state in
                defer {
                    state.items = []
                    state.woken = false
                }
                return (state.items, state.finished)
            }
        }

        func discard() { state.withLock { $0 = State(finished: true) } }

        /// Puts `item` in the place of the last untaken item that `matches`; that item, or nil when there is none.
        func replaceLast(where matches: (Item) -> Bool, with item: Item) -> Item? {
            state.withLock { state in
                guard !state.finished, let index = state.items.lastIndex(where: matches) else { return nil }
                defer { state.items[index] = item }
                return state.items[index]
            }
        }

        /// Drops what was not taken and ends with `last` alone: the client is too far behind for the rest to matter,
        /// and what it never read should not stay in memory until its connection is gone.
        func overflow(_ last: Item) {
            let wake = state.withLock { state -> (@Sendable () -> Void)? in
                guard !state.finished else { return nil }
                state.items = [last]
                state.finished = true
                defer { state.woken = true }
                return state.woken ? nil : state.wake
            }
            wake?()
        }
    }

    /// An outbox holding at most `maxMessages` unwritten items of at most `maxBytes` together (by `size`);
    /// `overflow` is the last item queued when it would hold more.
    init(
        maxMessages: Int, maxBytes: Int, size: @escaping @Sendable (Item) -> Int, overflow: Item,
        accounting: EdgePolicy? = nil, onOverflow: @escaping @Sendable () -> Void
    ) {
        self.accounting = accounting
        (items, queue) = AsyncStream.makeStream(of: Item.self)
        pulled = nil
        supersedes = nil
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = max(1, maxBytes)
        self.size = size
        self.overflow = overflow
        self.onOverflow = onOverflow
    }

    /// An outbox whose writer takes the queued items itself (`takeQueued`), told by `wake` (called at most once
    /// until it has taken them) that there is something to take: a writer on an event loop, with no task to resume.
    /// An item for which `supersedes` is true takes the place of an earlier such item not yet taken (a newer state
    /// makes the older one pointless), so a reader that is behind holds at most one of them.
    init(
        maxMessages: Int, maxBytes: Int, size: @escaping @Sendable (Item) -> Int, overflow: Item,
        accounting: EdgePolicy? = nil, supersedes: (@Sendable (Item) -> Bool)? = nil,
        onOverflow: @escaping @Sendable () -> Void, wake: @escaping @Sendable () -> Void
    ) {
        self.accounting = accounting
        (items, queue) = AsyncStream.makeStream(of: Item.self)
        queue.finish()
        pulled = Pulled(wake: wake)
        self.supersedes = supersedes
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = max(1, maxBytes)
        self.size = size
        self.overflow = overflow
        self.onOverflow = onOverflow
    }

    /// What was queued since the last call, and whether the outbox is finished (nothing more will come): for an
    /// outbox made with `wake`. Each item stays counted until the writer reports it `written`.
    func takeQueued() -> (items: [Item], finished: Bool) {
        pulled?.take() ?? ([], true)
    }

    /// The writer is gone: what is queued is dropped (and its bytes leave the gateway's total), and nothing more is
    /// taken or woken for.
    func discard() {
        pulled?.discard()
        let left = queued.withLock { queued in
            defer { queued = nil }
            return queued?.bytes ?? 0
        }
        accounting?.queuedBytesChanged(by: -left)
        queue.finish()
    }

    /// Queues `item`; false (and the overflow item queued instead, once) when it would pass a bound.
    @discardableResult
    func send(_ item: Item) -> Bool {
        let bytes = size(item)
        if let pulled, let supersedes, supersedes(item) {
            let replaced = queued.withLock { queued -> Int? in
                guard let (messages, total) = queued,
                    let old = pulled.replaceLast(where: supersedes, with: item)
                else { return nil }
                let delta = bytes - size(old)
                queued = (messages, total + delta)
                return delta
            }
            if let replaced {
                accounting?.queuedBytesChanged(by: replaced)
                return true
            }
        }
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
            if let pulled { pulled.append(item, finish: false) } else { queue.yield(item) }
            return true
        case false?:
            if let pulled { pulled.overflow(overflow) } else { finish(with: overflow) }
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
    func finish() {
        pulled?.append(nil, finish: true)
        queue.finish()
    }

    /// Queues `last` whatever the bounds (a close the protocol asks for), then ends the stream.
    func finish(with last: Item) {
        if let pulled { return pulled.append(last, finish: true) }
        queue.yield(last)
        queue.finish()
    }
}
