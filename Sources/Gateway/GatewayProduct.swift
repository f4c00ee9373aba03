import GatewayCore

/// A product a gateway can serve; `--products` picks which (docs/operations.md).
package enum GatewayProduct: String, Sendable, Hashable, CaseIterable {
    /// Step tracker: REST :8080 and WebSocket :8081.
    case steps
    /// Learning stats: REST :3000.
    case stats
    /// Presence: REST and Socket.IO :3456.
    case presence
    /// Game lobby: WebSocket and REST :9000 under /lobby_api.
    case lobby

    /// Parses a comma-separated list such as `steps,stats`; nil if a name is unknown or the list is empty.
    package static func list(_ text: String) -> Set<GatewayProduct>? {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
        let products = names.compactMap { GatewayProduct(rawValue: String($0)) }
        guard !products.isEmpty, products.count == names.count else { return nil }
        return Set(products)
    }
}
