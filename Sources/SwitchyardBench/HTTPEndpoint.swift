/// An `http://host[:port]` address (no path), parsed just enough for a plain-text loopback benchmark.
struct HTTPEndpoint: Sendable, CustomStringConvertible {
    /// Host name or address, without IPv6 brackets.
    var host: String
    /// TCP port; 80 when the URL names none.
    var port: Int

    /// Parses `text`; nil for anything but `http://host[:port]` with an optional trailing `/`.
    init?(_ text: String) {
        guard text.hasPrefix("http://") else { return nil }
        var authority = text.dropFirst("http://".count)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains("/"), !authority.contains("?") else { return nil }
        // A ws:// URL of the same authority parses the host and port the same way.
        guard let parsed = WebSocketURL("ws://" + authority) else { return nil }
        host = parsed.host
        port = parsed.port
    }

    /// The value of a request's `Host` header.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    var description: String { "http://\(hostHeader)" }
}
