import JSON

/// One Engine.IO v4 packet (protocol reference §1.2): a type digit `0`–`6` and optional data.
///
/// Only the data that a packet type can meaningfully carry is kept: `1`, `5` and `6` decode with any trailing
/// data ignored, as the reference parser does.
package enum EngineIOPacket: Sendable, Hashable {
    /// `0`: the handshake, carrying the open JSON object as text; sent by the server only.
    case open(String)
    /// `1`: close the session.
    case close
    /// `2`: heartbeat ping, server to client; its data is empty, or `probe` from a client on an upgrade probe.
    case ping(String)
    /// `3`: heartbeat pong, client to server; the server answers a probe with `3probe`.
    case pong(String)
    /// `4` + text, or a binary message, which has no type digit at all.
    case message(EngineIOMessage)
    /// `5`: the client moves the session onto the probed WebSocket.
    case upgrade
    /// `6`: nothing; the server releases a held poll with it.
    case noop
}

extension EngineIOPacket {
    /// The open packet of a new session: sid, upgrades, the heartbeat timings in milliseconds and maxPayload, in the
    /// reference server's key order (§1.3).
    package static func handshake(
        sessionID: String, upgrades: [String], configuration: EngineIOConfiguration
    ) -> EngineIOPacket {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("sid")
        writer.value(sessionID)
        writer.key("upgrades")
        writer.beginArray()
        for upgrade in upgrades { writer.value(upgrade) }
        writer.endArray()
        writer.key("pingInterval")
        writer.value(Self.milliseconds(configuration.pingInterval))
        writer.key("pingTimeout")
        writer.value(Self.milliseconds(configuration.pingTimeout))
        writer.key("maxPayload")
        writer.value(configuration.maxPayload)
        writer.endObject()
        return .open(String(decoding: writer.bytes, as: UTF8.self))
    }

    /// Whole milliseconds in `duration`, as the open packet advertises timings.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
