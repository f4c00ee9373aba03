import JSON
import NIOCore

/// What the server answered for one update.
enum Reply: Sendable, Equatable {
    /// `{"$type":"ack","update_id":…}` naming one of this run's updates.
    case ack(UpdateID)
    /// `{"$type":"rejected",…}`; the id when it names one of this run's updates.
    case rejected(UpdateID?)
    /// Anything else.
    case other
}

/// Classifies server replies, by a byte scan of the shape the step tracker writes
/// (`{"$type":"ack","update_id":"…"}`), falling back to the project's JSON parser for any other layout.
struct ReplyScanner: Sendable {
    /// The run whose update ids are recognised.
    let run: UInt32

    /// Classifies one text frame's payload.
    func scan(_ payload: ByteBuffer) -> Reply {
        let fast = payload.withUnsafeReadableBytes { raw -> Reply? in
            guard let type = Self.stringValue(after: Self.typeKey, in: raw),
                let id = Self.stringValue(after: Self.idKey, in: raw)
            else { return nil }
            let updateID = UpdateID.parse(UnsafeRawBufferPointer(rebasing: raw[id]), run: run)
            if type.count == 3, raw[type.lowerBound] == UInt8(ascii: "a"), raw[type.lowerBound + 2] == UInt8(ascii: "k")
            {
                return updateID.map(Reply.ack) ?? .other
            }
            if type.count == 8, raw[type.lowerBound] == UInt8(ascii: "r") {
                return .rejected(updateID)
            }
            return nil
        }
        return fast ?? slowScan(payload)
    }

    private func slowScan(_ payload: ByteBuffer) -> Reply {
        guard case .object(let object)? = try? JSONParser.parse(payload.readableBytesView),
            case .string(let type)? = object["$type"]
        else { return .other }
        var updateID: UpdateID?
        if case .string(let id)? = object["update_id"] { updateID = UpdateID.parse(Array(id.utf8), run: run) }
        switch type {
        case "ack": return updateID.map(Reply.ack) ?? .other
        case "rejected": return .rejected(updateID)
        default: return .other
        }
    }

    private static let typeKey = Array(#""$type":""#.utf8)
    private static let idKey = Array(#""update_id":""#.utf8)

    /// The byte range of the string value following `key` (which ends with the opening quote), if it has no escapes.
    private static func stringValue(after key: [UInt8], in raw: UnsafeRawBufferPointer) -> Range<Int>? {
        guard raw.count >= key.count else { return nil }
        var start = 0
        search: while start + key.count <= raw.count {
            for offset in 0..<key.count where raw[start + offset] != key[offset] {
                start += 1
                continue search
            }
            let valueStart = start + key.count
            var end = valueStart
            while end < raw.count {
                switch raw[end] {
                case UInt8(ascii: "\""): return valueStart..<end
                case UInt8(ascii: "\\"): return nil
                default: end += 1
                }
            }
            return nil
        }
        return nil
    }
}
