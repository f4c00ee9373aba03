import ArgumentParser

/// The start-up checks every role shares: each names the setting and the range it accepts (docs/operations.md).
enum SettingChecks {
    /// A TCP port to listen on: 1–65535.
    static func port(_ value: Int, _ flag: String) throws {
        guard (1...65_535).contains(value) else {
            throw ValidationError("\(flag) must be a port number, 1…65535 (got \(value))")
        }
    }

    /// A period or timeout in milliseconds that must be positive.
    static func positive(_ value: Int, _ flag: String) throws {
        guard value >= 1 else { throw ValidationError("\(flag) must be at least 1 millisecond (got \(value))") }
    }

    /// The ports of gateway n (0-based) of a fleet that adds `stride` per gateway.
    static func gatewayPorts(_ ports: [(Int, String)], stride: Int, gateways: Int) throws {
        for (port, flag) in ports {
            try Self.port(port, flag)
            let last = port + stride * (gateways - 1)
            guard (1...65_535).contains(last) else {
                throw ValidationError(
                    "\(flag) plus --port-stride for gateway \(gateways) is \(last), past port 65535; lower one of them")
            }
        }
    }
}
