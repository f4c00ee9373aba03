package import Fleet
import Synchronization
import Wire

/// What every connection guard of one gateway shares: the limits, the process-wide connection budget and the
/// counters that `/health` and `/metrics` show.
package final class EdgePolicy: Sendable {
    /// The per-connection limits.
    package let limits: EdgeLimits
    /// Client connections held open at most, across every port.
    package let maxConnections: Int
    /// How long a connection the guard answered and closed for writing stays open to let the answer arrive before
    /// the client's own bytes could turn the close into a reset.
    let linger: Duration = .seconds(1)
    /// Answered-and-lingering connections allowed at once; past it, refusals close at once (a flood of refused
    /// connections must not eat the descriptors the reserve keeps).
    let maxLingering: Int
    let counters: ProcessCounters
    private let open = Atomic<Int>(0)
    private let lingering = Atomic<Int>(0)
    private let overloaded = Atomic<Bool>(false)
    private let queued = Atomic<Int>(0)

    /// A policy for a gateway with `descriptors` file descriptors.
    package init(limits: EdgeLimits, descriptors: Int, counters: ProcessCounters) {
        self.limits = limits
        self.maxConnections = limits.connectionLimit(descriptors: descriptors)
        self.maxLingering = max(8, limits.descriptorReserve / 2)
        self.counters = counters
    }

    /// Whether the gateway sheds new work now (set by the `OverloadMonitor`).
    package var isOverloaded: Bool { overloaded.load(ordering: .relaxed) }

    /// Whether either overload measure is watched at all.
    var watchesOverload: Bool { limits.shedLag != nil || limits.shedQueuedBytes != nil }

    func setOverloaded(_ value: Bool) { overloaded.store(value, ordering: .relaxed) }

    /// Bytes queued for clients in the gateway's outboxes, gateway-wide.
    var queuedBytes: Int { queued.load(ordering: .relaxed) }

    /// Adds `delta` (negative: removes) to the bytes queued for clients.
    func queuedBytesChanged(by delta: Int) {
        if delta != 0 { queued.add(delta, ordering: .relaxed) }
    }

    /// Counts one piece of work shed.
    package func countShed() { counters.add(.shed) }

    /// Client connections open now.
    package var openConnections: Int { open.load(ordering: .relaxed) }

    /// Takes a slot for a new connection on a port of the product that `product` counts (if any); false at the
    /// limit.
    func admit(_ product: EdgeCounter?) -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < maxConnections {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                if let product { counters.adjust(product, by: 1) }
                return true
            }
            current = original
        }
        return false
    }

    /// Gives back a connection's slot.
    func release(_ product: EdgeCounter?) {
        open.subtract(1, ordering: .relaxed)
        if let product { counters.adjust(product, by: -1) }
    }

    /// Takes a lingering slot; false when too many answered connections linger already.
    func beginLinger() -> Bool {
        let now = lingering.add(1, ordering: .relaxed).newValue
        if now > maxLingering {
            lingering.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back a lingering slot.
    func endLinger() { lingering.subtract(1, ordering: .relaxed) }
}
