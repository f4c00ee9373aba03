/// Bounds enforced by ``JSONParser`` on untrusted input.
public struct JSONLimits: Sendable, Hashable {
    /// The largest number of nested arrays and objects accepted; a scalar document has depth 0, `[]` depth 1.
    public var maxDepth: Int = 64

    /// Creates the default limits.
    public init() {}
}
