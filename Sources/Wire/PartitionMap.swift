/// Which worker owns which partition, and where to reach it; versioned by `epoch` (docs/protocol.md §5.3).
package struct PartitionMap: Sendable, Hashable {
    /// One worker's entry.
    package struct WorkerEntry: Sendable, Hashable {
        /// Worker id (`w1`, …).
        package var id: String
        /// The worker's ROUTER endpoint; empty while the worker is not up.
        package var commandEndpoint: String
        /// The worker's PUB endpoint; empty while the worker is not up.
        package var publishEndpoint: String
        /// Partitions the worker owns, ascending.
        package var partitions: [UInt16]

        /// Creates an entry.
        package init(id: String, commandEndpoint: String, publishEndpoint: String, partitions: [UInt16]) {
            self.id = id
            self.commandEndpoint = commandEndpoint
            self.publishEndpoint = publishEndpoint
            self.partitions = partitions
        }

        /// Whether the worker can take commands.
        package var isReachable: Bool { !commandEndpoint.isEmpty && !publishEndpoint.isEmpty }
    }

    /// Incremented on every change; commands carry the epoch they were routed with.
    package var epoch: UInt64
    /// Fixed at fleet creation.
    package var partitionCount: Int
    /// Every worker.
    package var workers: [WorkerEntry]
    /// Partitions whose owner must first fetch the file from another host: partition → the command endpoint of a
    /// worker on the host that holds the current copy (docs/protocol.md §5.5). Empty when every owner shares its
    /// partitions' data folder.
    package var transfers: [UInt16: String]
    /// The CURVE public key (Z85) of every process of the fleet, by process id: a gateway connects to a worker with
    /// the worker's key, and a worker lets in the keys listed here (docs/protocol.md §5.3, §7). Empty in a fleet
    /// whose links are insecure.
    package var keys: [String: String]

    /// Creates a map.
    package init(
        epoch: UInt64, partitionCount: Int, workers: [WorkerEntry], transfers: [UInt16: String] = [:],
        keys: [String: String] = [:]
    ) {
        self.epoch = epoch
        self.partitionCount = partitionCount
        self.workers = workers
        self.transfers = transfers
        self.keys = keys
    }

    /// The entry owning `partition`, if any.
    package func owner(of partition: UInt16) -> WorkerEntry? {
        workers.first { $0.partitions.contains(partition) }
    }

    /// Owner index per partition (`nil` where unowned), for O(1) routing.
    package func ownerTable() -> [Int?] {
        var table = [Int?](repeating: nil, count: partitionCount)
        for (i, w) in workers.enumerated() {
            for p in w.partitions where Int(p) < partitionCount { table[Int(p)] = i }
        }
        return table
    }

    /// Deals partitions round-robin over `workerIDs`: partition p goes to worker p mod n.
    package static func roundRobin(partitionCount: Int, workerIDs: [String]) -> [String: [UInt16]] {
        var result: [String: [UInt16]] = [:]
        for id in workerIDs { result[id] = [] }
        guard !workerIDs.isEmpty else { return result }
        for p in 0..<partitionCount { result[workerIDs[p % workerIDs.count], default: []].append(UInt16(p)) }
        return result
    }

    /// Encodes the body frame.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + partitionCount * 2)
        w.write(UInt16(partitionCount))
        w.write(UInt16(workers.count))
        for entry in workers {
            w.write(entry.id)
            w.write(entry.commandEndpoint)
            w.write(entry.publishEndpoint)
            w.write(UInt16(entry.partitions.count))
            for p in entry.partitions { w.write(p) }
        }
        w.write(UInt16(transfers.count))
        for (p, source) in transfers.sorted(by: { $0.key < $1.key }) {
            w.write(p)
            w.write(source)
        }
        // The key list is a trailing section, absent when empty, so a map without keys keeps the earlier form.
        if !keys.isEmpty {
            w.write(UInt16(keys.count))
            for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
                w.write(id)
                w.write(key)
            }
        }
        return w.bytes
    }

    /// Decodes a body frame; `epoch` comes from the header. Rejects a partition outside the count or owned twice.
    package init(decoding frame: [UInt8], epoch: UInt64) throws(WireError) {
        var r = ByteReader(frame)
        let count = Int(try r.readUInt16())
        guard count > 0, count <= WireConstants.maxPartitionCount else {
            throw WireError(.badValue, "partition count \(count)")
        }
        let workerCount = Int(try r.readUInt16())
        var seen = [Bool](repeating: false, count: count)
        var workers: [WorkerEntry] = []
        for _ in 0..<workerCount {
            let id = try r.readString()
            guard Envelope.isValidOrigin(id) else { throw WireError(.badOrigin, "worker id \(id)") }
            let command = try r.readString()
            let publish = try r.readString()
            let n = Int(try r.readUInt16())
            var partitions: [UInt16] = []
            partitions.reserveCapacity(n)
            for _ in 0..<n {
                let p = try r.readUInt16()
                guard Int(p) < count, !seen[Int(p)] else { throw WireError(.badValue, "partition \(p)") }
                seen[Int(p)] = true
                partitions.append(p)
            }
            workers.append(
                WorkerEntry(id: id, commandEndpoint: command, publishEndpoint: publish, partitions: partitions))
        }
        let transferCount = Int(try r.readUInt16())
        var transfers: [UInt16: String] = [:]
        for _ in 0..<transferCount {
            let p = try r.readUInt16()
            guard Int(p) < count, transfers[p] == nil else { throw WireError(.badValue, "transfer of partition \(p)") }
            transfers[p] = try r.readString()
        }
        var keys: [String: String] = [:]
        if r.remaining > 0 {
            let keyCount = Int(try r.readUInt16())
            guard keyCount > 0 else { throw WireError(.badValue, "empty key list") }
            for _ in 0..<keyCount {
                let id = try r.readString()
                guard Envelope.isValidOrigin(id), keys[id] == nil else { throw WireError(.badOrigin, "key of \(id)") }
                let key = try r.readString()
                guard key.utf8.count == WireConstants.publicKeyLength else {
                    throw WireError(.badValue, "key of \(id) is not \(WireConstants.publicKeyLength) characters")
                }
                keys[id] = key
            }
        }
        try r.expectEnd()
        self.init(epoch: epoch, partitionCount: count, workers: workers, transfers: transfers, keys: keys)
    }
}
