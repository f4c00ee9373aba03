/// Body of a `hello`: a process announcing itself to the supervisor (docs/protocol.md §5.1).
package struct HelloMessage: Sendable, Hashable {
    /// The process's role.
    package var role: ProcessRole
    /// Operating-system pid, for `/health` and for the supervisor's kill.
    package var pid: UInt32
    /// Where the worker's ROUTER takes commands (empty for gateways).
    package var commandEndpoint: String
    /// Where the worker's PUB sends replies (empty for gateways).
    package var publishEndpoint: String

    /// Creates a hello.
    package init(role: ProcessRole, pid: UInt32, commandEndpoint: String = "", publishEndpoint: String = "") {
        self.role = role
        self.pid = pid
        self.commandEndpoint = commandEndpoint
        self.publishEndpoint = publishEndpoint
    }

    /// Encodes the body frame.
    package func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(role.rawValue)
        w.write(pid)
        w.write(commandEndpoint)
        w.write(publishEndpoint)
        return w.bytes
    }

    /// Decodes a body frame.
    package init(decoding frame: [UInt8]) throws(WireError) {
        var r = ByteReader(frame)
        let roleByte = try r.readByte()
        guard let role = ProcessRole(rawValue: roleByte) else { throw WireError(.badValue, "role \(roleByte)") }
        let pid = try r.readUInt32()
        let command = try r.readString()
        let publish = try r.readString()
        try r.expectEnd()
        self.init(role: role, pid: pid, commandEndpoint: command, publishEndpoint: publish)
    }
}
