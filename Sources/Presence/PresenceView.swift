/// Every partition's presence entries put together: what a gateway lists, counts and broadcasts, kept current
/// from the changes the workers publish, so that no request has to ask every partition.
package struct PresenceView: Sendable {
    private var partitions: [UInt16: [PresenceUserID: PresenceEntry]] = [:]
    /// Counts kept up to date with every change, so counting is O(1).
    package private(set) var counts = PresenceCounts()

    /// An empty view.
    package init() {}

    /// Applies one partition's changes.
    package mutating func apply(_ changes: [PresenceChange], partition: UInt16) {
        var entries = partitions[partition] ?? [:]
        for change in changes {
            switch change {
            case .upsert(let entry):
                if let old = entries.updateValue(entry, forKey: entry.user) { counts.add(old.status, by: -1) }
                counts.add(entry.status)
            case .remove(let user):
                if let old = entries.removeValue(forKey: user) { counts.add(old.status, by: -1) }
            }
        }
        partitions[partition] = entries.isEmpty ? nil : entries
    }

    /// Replaces one partition's entries with a snapshot (after a gap, or when the gateway starts).
    package mutating func replace(partition: UInt16, with snapshot: [PresenceEntry]) {
        for old in partitions[partition]?.values ?? [:].values { counts.add(old.status, by: -1) }
        partitions[partition] = nil
        apply(snapshot.map { .upsert($0) }, partition: partition)
    }

    /// The listed users with `status` (nil: all), in the contract's order (numeric ids first).
    package func list(_ status: PresenceStatus? = nil) -> [PresenceEntry] {
        partitions.values.flatMap { $0.values }.filter { status == nil || $0.status == status }
            .sorted { $0.user < $1.user }
    }

    /// How many users are listed.
    package var userCount: Int { counts.available + counts.busy + counts.away }
}
