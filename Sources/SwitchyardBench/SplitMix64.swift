/// A small, fast, non-cryptographic generator for masking keys and username spreading.
///
/// `SystemRandomNumberGenerator` costs a `getrandom` call per value, which the client cannot afford per frame;
/// RFC 6455 masking only needs keys the peer cannot predict from the payload, not secrecy.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from `seed`.
    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a cheap, well-spread hash of one 64-bit value.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
