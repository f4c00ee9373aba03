import JSON

/// The error body every product uses: `{"error": "…"}`, with `<`, `>` and `&` escaped as in the lobby's messages.
package enum ErrorJSON {
    package static func body(_ message: String) -> String {
        var w = JSONWriter(capacity: 64, escapingHTML: true)
        w.beginObject()
        w.key("error")
        w.value(message)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
