import JSON

/// The echo server's replies, in the step tracker's shapes (contracts §1).
enum EchoReplies {
    /// Whether an upgrade request's target opted into replies (`?ack=1`), as the gateway decides it.
    static func wantsAcks(_ path: String?) -> Bool {
        guard let path, let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.split(separator: "&").contains { $0 == "ack=1" || $0 == "ack=true" }
    }

    /// `{"$type":"ack","update_id":…}` for a JSON object with a string `update_id`, a rejection otherwise.
    static func reply(to text: String) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        writer.key("$type")
        if case .object(let object)? = try? JSONParser.parse(text.utf8), case .string(let id)? = object["update_id"] {
            writer.value("ack")
            writer.key("update_id")
            writer.value(id)
        } else {
            writer.value("rejected")
            writer.key("update_id")
            writer.null()
            writer.key("error")
            writer.value("not an update")
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
