/// FIFO of messages waiting for libzmq to accept them; an array with a moving head so that removing from
/// the front is O(1) amortised (the package has no Deque dependency).
struct ZMQOutboundQueue {
    private var storage: [ZMQMessage] = []
    private var head = 0

    /// Messages waiting.
    var count: Int { storage.count - head }

    /// Whether nothing is waiting.
    var isEmpty: Bool { head == storage.count }

    /// The oldest waiting message.
    var first: ZMQMessage? { isEmpty ? nil : storage[head] }

    /// Adds a message at the back.
    mutating func append(_ message: ZMQMessage) {
        storage.append(message)
    }

    /// Removes the oldest message; compacts once the dead prefix is large and at least half the storage.
    mutating func removeFirst() {
        precondition(!isEmpty, "removeFirst on an empty outbound queue")
        storage[head] = []  // release the frames now, not at compaction
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }

    /// Empties the queue and returns how many messages it held.
    mutating func removeAll() -> Int {
        let removed = count
        storage = []
        head = 0
        return removed
    }
}
