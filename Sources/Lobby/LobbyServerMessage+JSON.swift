package import JSON

extension LobbyServerMessage {
    /// The message as compact UTF-8 JSON, `$type` first: `{"$type":"table_removed","id":1}`, with `<`, `>` and `&`
    /// escaped: the original lobby's sample client inserts messages into its page as HTML.
    package var jsonBytes: [UInt8] {
        var w = JSONWriter(capacity: 64, escapingHTML: true)
        write(to: &w)
        return w.bytes
    }

    /// The message as a JSON text frame.
    package var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Writes the message as one JSON object (for a caller composing a larger document).
    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("$type")
        w.value(type)
        switch self {
        case .loginSuccessful(let userType):
            w.key("user_type")
            w.value(userType.rawValue)
        case .pong(let seq):
            w.key("seq")
            w.value(seq)
        case .tableList(let tables):
            w.key("tables")
            w.beginArray()
            for table in tables { table.write(to: &w) }
            w.endArray()
        case .tableAdded(let afterID, let table):
            w.key("after_id")
            w.value(integer: afterID)
            w.key("table")
            table.write(to: &w)
        case .tableUpdated(let table):
            w.key("table")
            table.write(to: &w)
        case .tableRemoved(let id), .updateFailed(let id), .removalFailed(let id):
            w.key("id")
            w.value(integer: id)
        case .additionFailed(let afterID):
            w.key("after_id")
            w.value(integer: afterID)
        case .invalidMessage(let reason):
            w.key("reason")
            w.value(reason)
        case .loginFailed, .notAuthenticated, .notAuthorized:
            break
        }
        w.endObject()
    }
}
