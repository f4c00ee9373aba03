import NIOCore

/// The counts of the subscribers on one event loop: confined to that loop (the runner reaches it through a
/// `NIOLoopBound`), so recording a delivery takes no lock.
final class LobbyRecorder {
    /// The measured window, once the admin starts.
    var schedule: LobbyLoadSchedule?
    /// Set before the runner closes the connections, so those closes are not counted as disconnects.
    var closing = false
    /// What was counted so far (what each subscriber missed is added by ``finish(total:)``).
    private(set) var statistics: LobbyDeliveryStatistics
    private var handlers: [LobbySubscriberHandler] = []

    /// A recorder for subscribers spread over `gateways` URLs.
    init(gateways: Int) {
        statistics = LobbyDeliveryStatistics(gateways: gateways)
    }

    /// Keeps `handler`, to ask it at the end what it missed.
    func register(_ handler: LobbySubscriberHandler) {
        handlers.append(handler)
    }

    /// A delivery of a change sent at `sentNanos`, received at `nowNanos`, by a subscriber of URL `gateway`.
    @inline(__always)
    func delivered(gateway: Int, sentNanos: UInt64, nowNanos: UInt64) {
        statistics.gateways[gateway].deliveries &+= 1
        guard let schedule else { return }
        if nowNanos >= schedule.measureStart && nowNanos < schedule.measureEnd {
            statistics.gateways[gateway].windowDeliveries &+= 1
        }
        if sentNanos >= schedule.measureStart && sentNanos < schedule.measureEnd {
            statistics.gateways[gateway].latency.record(
                micros: nowNanos >= sentNanos ? (nowNanos - sentNanos) / 1000 : 0)
        }
    }

    /// A change that came with a lower number than expected.
    func outOfOrder() { statistics.outOfOrder += 1 }

    /// A change that skipped numbers (the subscriber counts how many, see ``finish(total:)``).
    func gap() { statistics.gaps += 1 }

    /// A `table_list` after the first.
    func extraTableList() { statistics.extraTableLists += 1 }

    /// A message the benchmark did not expect.
    func unexpected(_ description: String) {
        statistics.unexpected += 1
        if statistics.firstUnexpected == nil { statistics.firstUnexpected = description }
    }

    /// A subscribed connection of URL `gateway` that ended before the runner closed it.
    func disconnected(gateway: Int, code: UInt16?, reason: String?) {
        guard !closing else { return }
        let key = "url\(gateway + 1):" + (code.map { String($0) } ?? "none")
        statistics.disconnects[key, default: 0] += 1
        if let reason, !reason.isEmpty, statistics.closeReasons[key] == nil { statistics.closeReasons[key] = reason }
        let now = NIODeadline.now().uptimeNanoseconds
        statistics.firstDisconnectNanos = statistics.firstDisconnectNanos ?? now
        statistics.lastDisconnectNanos = now
    }

    /// Subscribed subscribers, still open, that have not yet received change `total - 1`.
    func behind(total: UInt64) -> Int {
        handlers.reduce(0) { $0 + ($1.isSubscribed && $1.isOpen && $1.nextExpected < total ? 1 : 0) }
    }

    /// The counts with, for every subscriber, the changes below `total` it never received; forgets the handlers.
    func finish(total: UInt64) -> LobbyDeliveryStatistics {
        var result = statistics
        for handler in handlers where handler.isSubscribed {
            result.gateways[handler.gateway].subscribers += 1
            result.gateways[handler.gateway].skipped += handler.missed
            let missing = handler.nextExpected < total ? total - handler.nextExpected : 0
            if handler.isOpen {
                result.gateways[handler.gateway].openAtEnd += 1
                result.gateways[handler.gateway].pendingAtEnd += missing
            } else {
                result.gateways[handler.gateway].missedByClosed += missing
            }
        }
        handlers = []
        return result
    }
}
