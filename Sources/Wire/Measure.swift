/// A distribution a process measures and reports in its heartbeat as bucket counts (docs/protocol.md §5.2), shown
/// in `/metrics` as a Prometheus histogram. The raw value is the wire code; a receiver skips codes it does not know.
///
/// Values are observed in a whole unit — microseconds for durations, commands for sizes — and each measure has fixed
/// bucket bounds that sender and receiver share, so a heartbeat carries only counts.
package enum Measure: UInt8, Sendable, Hashable, CaseIterable {
    /// Gateway, per product: an HTTP request, from its head read to its response returned (µs).
    case requestDuration = 1
    /// Gateway, per product: a command, from handed to the fleet link to its reply (a step update's ack) (µs).
    case fleetReplyDuration = 2
    /// Worker: commands in one transaction.
    case transactionCommands = 3
    /// Worker: a transaction, from its first statement to its commit, including its fsync when durability is per
    /// transaction (µs).
    case commitDuration = 4
    /// Worker: one durability round's `syncfs`, which makes every partition's commits of the round durable (µs).
    case syncDuration = 5

    /// Whether a process of this role keeps the measure once per product (a `product` label).
    package var isPerProduct: Bool { self == .requestDuration || self == .fleetReplyDuration }

    /// Whether a worker (rather than a gateway) reports it.
    package var isWorkers: Bool { !isPerProduct }

    /// Upper bounds of the buckets, in the measure's unit, ascending; one more bucket above the last (+Inf).
    package var bounds: [UInt64] {
        switch self {
        case .transactionCommands: Self.sizeBounds
        default: Self.durationBounds
        }
    }

    /// Buckets on the wire: one per bound plus +Inf.
    package var bucketCount: Int { bounds.count + 1 }

    /// Decimal places from the observed unit to the metric's: 6 from microseconds to seconds, 0 for counts.
    package var unitDecimals: Int { self == .transactionCommands ? 0 : 6 }

    /// 50 µs to 10 s, about three per decade.
    static let durationBounds: [UInt64] = [
        50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
        2_500_000, 10_000_000,
    ]
    /// 1 to 4 096 commands (a transaction's limit), by powers of two.
    static let sizeBounds: [UInt64] = (0...12).map { 1 << UInt64($0) }

    /// The Prometheus family name.
    package var metricName: String {
        switch self {
        case .requestDuration: "switchyard_gateway_request_duration_seconds"
        case .fleetReplyDuration: "switchyard_gateway_fleet_reply_duration_seconds"
        case .transactionCommands: "switchyard_worker_transaction_commands"
        case .commitDuration: "switchyard_worker_commit_duration_seconds"
        case .syncDuration: "switchyard_worker_sync_duration_seconds"
        }
    }

    /// The HELP text of its family.
    package var help: String {
        switch self {
        case .requestDuration: "HTTP requests a gateway served, from request head to response, by product."
        case .fleetReplyDuration:
            "Commands a gateway sent to the fleet, from sent to reply (a step update's ack), by product."
        case .transactionCommands: "Commands per transaction a worker committed."
        case .commitDuration: "Transactions a worker committed, first statement to commit (with fsync per transaction)."
        case .syncDuration: "Durability rounds (syncfs) that made a worker's commits durable."
        }
    }
}

/// One histogram as a heartbeat carries it: the count in each bucket (not cumulative; the last is +Inf) and the
/// sum of the observed values, in the measure's unit.
package struct HistogramCounts: Sendable, Hashable {
    /// Observations per bucket, `Measure.bucketCount` of them.
    package var buckets: [UInt64]
    /// Sum of every observed value.
    package var sum: UInt64

    /// Counts as given.
    package init(buckets: [UInt64], sum: UInt64) {
        self.buckets = buckets
        self.sum = sum
    }

    /// Observations in all.
    package var count: UInt64 { buckets.reduce(0, &+) }
}

/// Which histogram: a measure, and the product for a per-product one.
package struct MeasureKey: Sendable, Hashable {
    /// What is measured.
    package var measure: Measure
    /// The product, for a per-product measure; nil otherwise.
    package var product: ProductCode?

    /// A key.
    package init(_ measure: Measure, product: ProductCode? = nil) {
        self.measure = measure
        self.product = product
    }

    /// Every histogram a process of either role may report: per-product measures for each client product.
    package static let all: [MeasureKey] = Measure.allCases.flatMap { measure in
        measure.isPerProduct
            ? ProductCode.clientProducts.map { MeasureKey(measure, product: $0) } : [MeasureKey(measure)]
    }
}

extension ProductCode {
    /// The four products clients use (every code but `fleet`).
    package static let clientProducts: [ProductCode] = [.steps, .stats, .presence, .lobby]

    /// The product's name in configuration, `/health` and metric labels.
    package var name: String {
        switch self {
        case .fleet: "fleet"
        case .steps: "steps"
        case .stats: "stats"
        case .presence: "presence"
        case .lobby: "lobby"
        }
    }
}
