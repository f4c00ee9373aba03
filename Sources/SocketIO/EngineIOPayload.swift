/// The long-polling body format: packets joined by the record separator 0x1E (protocol reference §1.4).
///
/// Splitting on 0x1E is safe: JSON escapes U+001E inside strings, and base64 never contains it.
package enum EngineIOPayload {
    /// The byte between two packets of a polling body.
    package static let separator: UInt8 = 0x1E

    /// A GET response body: the packets' text forms joined by 0x1E.
    package static func encode(_ packets: [EngineIOPacket]) -> String {
        var body = ""
        for (index, packet) in packets.enumerated() {
            if index > 0 { body.unicodeScalars.append(Unicode.Scalar(separator)) }
            body += packet.text
        }
        return body
    }

    /// Decodes a whole POST body; an empty body holds no packets. Throws at the first packet that does not decode.
    package static func decode(_ body: some Collection<UInt8>) throws(EngineIOParseError) -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        for part in split(body) {
            packets.append(try EngineIOPacket(text: String(decoding: part, as: UTF8.self)))
        }
        return packets
    }

    /// The packets' text forms, in order; nothing for an empty body.
    static func split(_ body: some Collection<UInt8>) -> [ArraySlice<UInt8>] {
        guard !body.isEmpty else { return [] }
        return Array(body).split(separator: separator, omittingEmptySubsequences: false)
    }
}
