import GatewayCore
import JSON
import Presence

/// The presence JSON bodies (contracts §3); the same for REST and Socket.IO.
enum PresenceJSON {
    /// `{"data": {"available": n, "busy": n, "away": n}}`.
    static func counts(_ counts: PresenceCounts) -> String {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("data")
        writeCounts(counts, to: &w)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `{"data": [{"user": "1", "status": "busy", "time": 1676735121}, …]}`.
    static func list(_ entries: [PresenceEntry]) -> String {
        var w = JSONWriter(capacity: 32 + entries.count * 48)
        w.beginObject()
        w.key("data")
        w.beginArray()
        for entry in entries {
            w.beginObject()
            w.key("user")
            w.value(entry.user.text)
            w.key("status")
            w.value(entry.status.rawValue)
            w.key("time")
            w.value(Int(entry.time))
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `{"data": "…"}`.
    static func data(_ text: String) -> String {
        var w = JSONWriter(capacity: 32)
        w.beginObject()
        w.key("data")
        w.value(text)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func writeCounts(_ counts: PresenceCounts, to w: inout JSONWriter) {
        w.beginObject()
        w.key("available")
        w.value(counts.available)
        w.key("busy")
        w.value(counts.busy)
        w.key("away")
        w.value(counts.away)
        w.endObject()
    }
}
