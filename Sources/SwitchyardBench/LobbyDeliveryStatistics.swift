/// What the subscribers of one run counted, merged over the client's event loops.
struct LobbyDeliveryStatistics: Sendable {
    /// Counts of the subscribers of one URL (one gateway).
    struct Gateway: Sendable {
        /// Admin send → subscriber receipt of every delivery whose change was sent in the measured window.
        var latency = LatencyHistogram()
        /// Deliveries of the admin's changes, warm-up and drain included.
        var deliveries: UInt64 = 0
        /// Deliveries received inside the measured window (for deliveries/s).
        var windowDeliveries: UInt64 = 0
        /// Subscribers that received `table_list`.
        var subscribers = 0
        /// Of those, the ones still open at the end.
        var openAtEnd = 0
        /// Changes a subscriber skipped: a later one arrived first (lost, or late and then counted out of order).
        var skipped: UInt64 = 0
        /// Changes an open subscriber had not received when the drain ended (still queued somewhere, or lost).
        var pendingAtEnd: UInt64 = 0
        /// Changes sent after a subscriber was closed early, which it therefore never received.
        var missedByClosed: UInt64 = 0

        mutating func merge(_ other: Gateway) {
            latency.merge(other.latency)
            deliveries += other.deliveries
            windowDeliveries += other.windowDeliveries
            subscribers += other.subscribers
            openAtEnd += other.openAtEnd
            skipped += other.skipped
            pendingAtEnd += other.pendingAtEnd
            missedByClosed += other.missedByClosed
        }
    }

    /// Per URL, in `--urls` order.
    var gateways: [Gateway]
    /// Changes received with a number below the next one expected (late after a gap, or repeated).
    var outOfOrder: UInt64 = 0
    /// Times a subscriber's next change skipped numbers.
    var gaps: UInt64 = 0
    /// `table_list` messages after a subscriber's first (the gateway's resync after it diverged).
    var extraTableLists: UInt64 = 0
    /// Messages that are none of the above (by `$type`), and the first one of them.
    var unexpected: UInt64 = 0
    var firstUnexpected: String?
    /// Subscribers closed by the server or the network before the run ended, by URL number and close code
    /// (`url2:1008`; `none` when the connection ended without a close frame).
    var disconnects: [String: UInt64] = [:]
    /// The reason the server gave with the first close of each key of `disconnects`, when it gave one.
    var closeReasons: [String: String] = [:]
    /// Monotonic times of the first and last of those disconnects.
    var firstDisconnectNanos: UInt64?
    var lastDisconnectNanos: UInt64?

    /// Empty counts for `gateways` URLs.
    init(gateways: Int) {
        self.gateways = Array(repeating: Gateway(), count: gateways)
    }

    /// Every subscriber's counts together.
    var total: Gateway {
        var all = Gateway()
        for gateway in gateways { all.merge(gateway) }
        return all
    }

    /// Disconnects of every code.
    var disconnectCount: UInt64 { disconnects.values.reduce(0, +) }

    mutating func merge(_ other: LobbyDeliveryStatistics) {
        for index in gateways.indices where index < other.gateways.count {
            gateways[index].merge(other.gateways[index])
        }
        outOfOrder += other.outOfOrder
        gaps += other.gaps
        extraTableLists += other.extraTableLists
        unexpected += other.unexpected
        if firstUnexpected == nil { firstUnexpected = other.firstUnexpected }
        disconnects.merge(other.disconnects, uniquingKeysWith: +)
        closeReasons.merge(other.closeReasons, uniquingKeysWith: { first, _ in first })
        if let first = other.firstDisconnectNanos { firstDisconnectNanos = min(firstDisconnectNanos ?? first, first) }
        if let last = other.lastDisconnectNanos { lastDisconnectNanos = max(lastDisconnectNanos ?? last, last) }
    }
}
