import JSON

/// The error body every product uses: `{"error": "…"}`.
enum ErrorJSON {
    static func body(_ message: String) -> String {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("error")
        w.value(message)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
