/// Maps a key (username, user id, …) to a partition with a hash that is the same in every process and run.
package enum Partitioner {
    /// 64-bit FNV-1a of the key's UTF-8 bytes. Swift's `hashValue` is seeded per process and must not be used.
    package static func hash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The partition of `key` among `count` partitions.
    package static func partition(of key: String, count: Int) -> UInt16 {
        precondition(count > 0 && count <= WireConstants.maxPartitionCount)
        return UInt16(hash(key) % UInt64(count))
    }
}
