/// A `ws://host[:port][/path][?query]` address, parsed just enough for a plain-text loopback benchmark.
struct WebSocketURL: Sendable, CustomStringConvertible {
    /// Host name or address, without IPv6 brackets.
    var host: String
    /// TCP port; 80 when the URL names none.
    var port: Int
    /// Request target of the upgrade request, always starting with `/`.
    var target: String

    /// Parses `text`; returns nil for anything but a `ws://` URL with a valid port.
    init?(_ text: String) {
        guard text.hasPrefix("ws://") else { return nil }
        let rest = text.dropFirst("ws://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let target = String(rest[authorityEnd...])
        self.target = target.isEmpty ? "/" : (target.hasPrefix("?") ? "/" + target : target)

        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterHost = authority[authority.index(after: close)...]
            guard afterHost.isEmpty || afterHost.hasPrefix(":") else { return nil }
            portText = afterHost.isEmpty ? nil : afterHost.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let port = Int(portText), (1...65_535).contains(port) else { return nil }
            self.port = port
        } else {
            port = 80
        }
    }

    /// The value of the upgrade request's `Host` header.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    var description: String { "ws://\(hostHeader)\(target)" }
}
