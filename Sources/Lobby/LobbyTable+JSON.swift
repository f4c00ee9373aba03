package import JSON

extension LobbyTable {
    /// Writes `{"id":1,"name":"…","participants":7}`.
    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("id")
        w.value(integer: id)
        w.key("name")
        w.value(name)
        w.key("participants")
        w.value(integer: participants)
        w.endObject()
    }

    /// The table as compact UTF-8 JSON (the body of REST's `201 Created` and `200` answers).
    package var jsonBytes: [UInt8] {
        var w = JSONWriter(capacity: 64 + name.utf8.count, escapingHTML: true)
        write(to: &w)
        return w.bytes
    }
}

extension JSONWriter {
    /// Writes an `Int64` exactly. `JSONWriter.value(_: Int)` takes the platform's `Int`, which is 64 bits on every
    /// platform the fleet runs on.
    mutating func value(integer: Int64) { value(Int(integer)) }
}
