/// Bounds enforced by ``JSONParser`` on untrusted input.
package struct JSONLimits: Sendable, Hashable {
    /// The largest number of nested arrays and objects accepted; a scalar document has depth 0, `[]` depth 1.
    package var maxDepth: Int = 64

    /// Creates the default limits.
    package init() {}
}
