package import JSON

extension LobbyClientMessage {
    /// Decodes one WebSocket text frame. Fields other than the message's own are ignored, as a client-sent
    /// `table.id` in `add_table` must be.
    package init<Bytes: Collection<UInt8>>(frame: Bytes, limits: LobbyLimits = .default) throws(LobbyMessageError) {
        guard frame.count <= limits.maxMessageBytes else {
            throw LobbyMessageError(.tooLarge, "message is longer than \(limits.maxMessageBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(frame)
        } catch {
            throw LobbyMessageError(.invalidJSON, "invalid JSON: \(error.reason)")
        }
        try self.init(json: value, limits: limits)
    }

    /// Decodes a parsed message.
    package init(json value: JSONValue, limits: LobbyLimits = .default) throws(LobbyMessageError) {
        guard case .object(let object) = value else {
            throw LobbyMessageError(.notAnObject, "message must be a JSON object")
        }
        guard let type = object["$type"] else { throw LobbyMessageError(.missingType, "$type is missing") }
        guard case .string(let name) = type else { throw LobbyMessageError(.missingType, "$type must be a string") }
        switch name {
        case "login":
            self = .login(
                username: try Self.string(object["username"], field: "username"),
                password: try Self.string(object["password"], field: "password"))
        case "ping":
            // Echoed as given, `null` included; only a missing `seq` is refused (contracts §4: missing fields are
            // invalid), since `pong` must carry one.
            guard let seq = object["seq"] else { throw LobbyMessageError(.missingField, "seq is missing") }
            self = .ping(seq: seq)
        case "subscribe_tables":
            self = .subscribeTables
        case "unsubscribe_tables":
            self = .unsubscribeTables
        case "add_table":
            let afterID = try limits.id(from: object["after_id"], field: "after_id")
            let table = try Self.object(object["table"], field: "table")
            self = .addTable(
                afterID: afterID,
                name: try limits.name(from: table["name"], field: "table.name"),
                participants: try limits.participants(from: table["participants"], field: "table.participants"))
        case "update_table":
            let table = try Self.object(object["table"], field: "table")
            self = .updateTable(
                LobbyTable(
                    id: try limits.id(from: table["id"], field: "table.id"),
                    name: try limits.name(from: table["name"], field: "table.name"),
                    participants: try limits.participants(from: table["participants"], field: "table.participants")))
        case "remove_table":
            self = .removeTable(id: try limits.id(from: object["id"], field: "id"))
        default:
            throw LobbyMessageError(.unknownType, "unknown $type \(JSONValue.string(name).jsonString)")
        }
    }

    private static func string(_ value: JSONValue?, field: String) throws(LobbyMessageError) -> String {
        guard let value else { throw LobbyMessageError(.missingField, "\(field) is missing") }
        guard case .string(let string) = value else {
            throw LobbyMessageError(.invalidField, "\(field) must be a string")
        }
        return string
    }

    private static func object(_ value: JSONValue?, field: String) throws(LobbyMessageError) -> JSONObject {
        guard let value else { throw LobbyMessageError(.missingField, "\(field) is missing") }
        guard case .object(let object) = value else {
            throw LobbyMessageError(.invalidField, "\(field) must be an object")
        }
        return object
    }
}
