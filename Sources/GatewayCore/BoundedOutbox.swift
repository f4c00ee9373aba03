import Synchronization

/// The queue between the code that produces a connection's messages (a reply, a hub's fan-out, from any thread)
/// and the connection's handler on its event loop, which takes them (`takeQueued`) when told there is something to
/// take (`wake`) and writes them while the channel is writable. Bounded in messages and in bytes: a client that stops
/// reading would otherwise keep everything sent to it in the gateway's memory.
///
/// A message counts until the handler reports it `written` (handed to NIO, which holds at most its high-water mark
/// more per channel). A message that would pass either bound ends the outbox instead: what is still queued is
/// dropped, `overflow` (a close) becomes the only item left, and `onOverflow` runs once. One message larger than
/// `maxBytes` is still accepted into an empty outbox, so a big but legitimate message (a full table list) does not
/// close a client that keeps up. Items for which `supersedes` is true are states of which only the newest matters:
/// one takes the place of an earlier such item not yet taken, so a reader that is behind holds at most one of them.
package final class BoundedOutbox<Item: Sendable>: Sendable {
    private struct State {
        /// Queued and not yet taken, in order.
        var items: [Item] = []
        /// Messages and bytes not yet written (queued or taken).
        var messages = 0
        var bytes = 0
        /// Nothing more is queued; the handler finishes once it has what is queued.
        var finished = false
        /// Set at an overflow or a discard: nothing is counted any more.
        var uncounted = false
        /// The handler was told there is something to take and has not taken it yet.
        var woken = false
        /// Dropped when the handler goes away (it holds the outbox too).
        var wake: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>
    private let maxMessages: Int
    private let maxBytes: Int
    private let size: @Sendable (Item) -> Int
    private let overflow: Item
    private let onOverflow: @Sendable () -> Void
    private let supersedes: (@Sendable (Item) -> Bool)?
    /// Where the bytes this outbox holds are added up gateway-wide (the overload monitor's measure).
    private let accounting: EdgePolicy?

    /// An outbox holding at most `maxMessages` unwritten items of at most `maxBytes` together (by `size`), whose
    /// handler `wake` tells (at most once until it has taken them) that there are items to take; `overflow` is the
    /// last item when it would hold more.
    package init(
        maxMessages: Int, maxBytes: Int, size: @escaping @Sendable (Item) -> Int, overflow: Item,
        accounting: EdgePolicy? = nil, supersedes: (@Sendable (Item) -> Bool)? = nil,
        onOverflow: @escaping @Sendable () -> Void, wake: @escaping @Sendable () -> Void
    ) {
        state = Mutex(State(wake: wake))
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = max(1, maxBytes)
        self.size = size
        self.overflow = overflow
        self.onOverflow = onOverflow
        self.supersedes = supersedes
        self.accounting = accounting
    }

    /// What was queued since the last call, and whether the outbox is finished (nothing more will come). Each item
    /// stays counted until the handler reports it `written`.
    package func takeQueued() -> (items: [Item], finished: Bool) {
        state.withLock { state in
            defer {
                state.items = []
                state.woken = false
            }
            return (state.items, state.finished)
        }
    }

    /// Queues `item`; false when the outbox is finished, or when the item would pass a bound (the outbox then ends
    /// with the overflow item alone).
    @discardableResult
    package func send(_ item: Item) -> Bool {
        let bytes = size(item)
        let superseding = supersedes?(item) ?? false
        let (outcome, delta, wake) = state.withLock { state -> (SendOutcome, Int, (@Sendable () -> Void)?) in
            guard !state.finished else { return (.refused, 0, nil) }
            if superseding, let supersedes, let index = state.items.lastIndex(where: supersedes) {
                let delta = bytes - size(state.items[index])
                state.items[index] = item
                state.bytes += delta
                return (.queued, delta, nil)
            }
            guard state.messages < maxMessages, state.messages == 0 || state.bytes + bytes <= maxBytes else {
                let held = state.bytes
                state.items = [overflow]
                state.finished = true
                state.uncounted = true
                state.bytes = 0
                return (.overflowed, -held, Self.wakeOnce(&state))
            }
            state.items.append(item)
            state.messages += 1
            state.bytes += bytes
            return (.queued, bytes, Self.wakeOnce(&state))
        }
        accounting?.queuedBytesChanged(by: delta)
        wake?()
        if outcome == .overflowed { onOverflow() }
        return outcome == .queued
    }

    private enum SendOutcome { case queued, refused, overflowed }

    /// The handler wrote `item`.
    package func written(_ item: Item) {
        let bytes = size(item)
        let delta = state.withLock { state -> Int in
            guard !state.uncounted else { return 0 }
            let freed = min(state.bytes, bytes)
            state.messages = max(0, state.messages - 1)
            state.bytes -= freed
            return -freed
        }
        accounting?.queuedBytesChanged(by: delta)
    }

    /// The handler is gone: what is queued is dropped (and its bytes leave the gateway's total), and nothing more is
    /// queued or woken for.
    package func discard() {
        let held = state.withLock { state -> Int in
            defer { state = State(finished: true, uncounted: true) }
            return state.uncounted ? 0 : state.bytes
        }
        accounting?.queuedBytesChanged(by: -held)
    }

    /// Ends the outbox after what is queued (the connection is closing).
    package func finish() {
        let wake = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.finished else { return nil }
            state.finished = true
            return Self.wakeOnce(&state)
        }
        wake?()
    }

    /// Queues `last` whatever the bounds (a close the protocol asks for), then ends the outbox.
    package func finish(with last: Item) {
        let wake = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.finished else { return nil }
            state.items.append(last)
            state.finished = true
            return Self.wakeOnce(&state)
        }
        wake?()
    }

    deinit {
        // What was never written leaves the gateway's total with the outbox.
        let held = state.withLock { $0.uncounted ? 0 : $0.bytes }
        accounting?.queuedBytesChanged(by: -held)
    }

    /// The wake to call now, if the handler has not been told since it last took.
    private static func wakeOnce(_ state: inout State) -> (@Sendable () -> Void)? {
        defer { state.woken = true }
        return state.woken ? nil : state.wake
    }
}
