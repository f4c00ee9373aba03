import JSON
import NIOCore

/// What a lobby client received, as far as the benchmark cares.
enum LobbyInbound: Sendable, Equatable {
    /// `table_updated` of one of the admin's changes (see ``LobbyChange``).
    case change(number: UInt64, sentNanos: UInt64)
    /// `table_list`.
    case tableList
    /// `login_successful`.
    case loginSuccessful
    /// Anything else, by its `$type` (`"?"` when it has none); a `table_updated` whose table is not the admin's
    /// change, or whose participants disagree with its name, is `table_updated?`.
    case other(String)
}

/// Classifies lobby server messages: a byte scan of the layout the gateway writes (`{"$type":"…"` first, then
/// `"table":{"id":…,"name":"…","participants":…}`), falling back to the project's JSON parser for any other.
enum LobbyMessageScanner {
    private static let typePrefix = Array(#"{"$type":""#.utf8)
    private static let nameKey = Array(#""name":""#.utf8)
    private static let participantsKey = Array(#""participants":"#.utf8)

    /// Classifies one text frame's payload.
    static func scan(_ payload: ByteBuffer) -> LobbyInbound {
        let fast = payload.withUnsafeReadableBytes { raw -> LobbyInbound? in
            guard raw.starts(with: typePrefix) else { return nil }
            let typeStart = typePrefix.count
            guard let typeEnd = raw[typeStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            let type = raw[typeStart..<typeEnd]
            if type.elementsEqual("table_updated".utf8) {
                guard let nameStart = find(nameKey, in: raw, from: typeEnd).map({ $0 + nameKey.count }),
                    let nameEnd = raw[nameStart...].firstIndex(where: {
                        $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\")
                    }), raw[nameEnd] == UInt8(ascii: "\""),
                    let participantsStart = find(participantsKey, in: raw, from: typeEnd).map({
                        $0 + participantsKey.count
                    })
                else { return nil }
                guard let change = LobbyChange.parse(name: raw[nameStart..<nameEnd]),
                    let (participants, _) = LobbyChange.digits(in: raw, from: participantsStart),
                    participants == change.number
                else { return .other("table_updated?") }
                return .change(number: change.number, sentNanos: change.sentNanos)
            }
            if type.elementsEqual("table_list".utf8) { return .tableList }
            if type.elementsEqual("login_successful".utf8) { return .loginSuccessful }
            return .other(String(decoding: type, as: UTF8.self))
        }
        return fast ?? slowScan(payload)
    }

    private static func slowScan(_ payload: ByteBuffer) -> LobbyInbound {
        guard case .object(let object)? = try? JSONParser.parse(payload.readableBytesView),
            case .string(let type)? = object["$type"]
        else { return .other("?") }
        switch type {
        case "table_list": return .tableList
        case "login_successful": return .loginSuccessful
        case "table_updated":
            guard case .object(let table)? = object["table"], case .string(let name)? = table["name"],
                case .number(let participants)? = table["participants"],
                let change = LobbyChange.parse(name: Array(name.utf8)), participants == Double(change.number)
            else { return .other("table_updated?") }
            return .change(number: change.number, sentNanos: change.sentNanos)
        default: return .other(type)
        }
    }

    /// The offset of the first occurrence of `needle` in `raw` at or after `start`.
    private static func find(_ needle: [UInt8], in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard needle.count <= raw.count else { return nil }
        var offset = start
        while offset + needle.count <= raw.count {
            if raw[offset] == needle[0] && raw[offset..<offset + needle.count].elementsEqual(needle) { return offset }
            offset += 1
        }
        return nil
    }
}
