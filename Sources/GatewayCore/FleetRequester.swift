package import Fleet
package import Wire

/// What a product edge needs of the fleet: send a command for a key's partition and hear back once, and count
/// what it does to protect itself. `FleetClient` is the real one; tests hand a handler a fake.
package protocol FleetRequester: Sendable {
    /// The gateway's counters (reported in heartbeats).
    var counters: ProcessCounters { get }

    /// Sends a command for `key`'s partition (or `partition`); `completion` runs once, on any thread, with the reply
    /// body or the reason there is none.
    func request(
        product: ProductCode, key: String, partition: UInt16?, body: [UInt8], idempotent: Bool, timeout: Duration?,
        completion: @escaping FleetClient.Completion)
}

extension FleetClient: FleetRequester {}

extension FleetRequester {
    /// `request` awaited: the reply body, or why there is none.
    package func request(
        product: ProductCode, key: String, partition: UInt16? = nil, body: [UInt8], idempotent: Bool,
        timeout: Duration? = nil
    ) async -> Result<[UInt8], FleetRequestError> {
        await withCheckedContinuation { continuation in
            request(
                product: product, key: key, partition: partition, body: body, idempotent: idempotent, timeout: timeout
            ) { continuation.resume(returning: $0) }
        }
    }
}
