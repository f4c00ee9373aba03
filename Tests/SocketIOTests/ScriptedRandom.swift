import Base64Coding

@testable import SocketIO

/// A random generator that makes ``SocketIOIdentifier`` produce the given ids, in order, so tests can use the
/// protocol reference's golden ids; after them it yields zeros.
struct ScriptedRandom: RandomNumberGenerator, Sendable {
    private var words: [UInt64]

    /// Each id must be 20 URL-safe base64 characters (15 bytes).
    init(ids: [String]) {
        var words: [UInt64] = []
        for id in ids {
            guard let bytes = Base64.decode(id.utf8), bytes.count == SocketIOIdentifier.byteCount else {
                preconditionFailure("not a 15-byte id: \(id)")
            }
            // The identifier reads little-endian words and keeps the first 15 bytes: feed them back that way.
            let padded = bytes + [0]
            for start in stride(from: 0, to: 16, by: 8) {
                var word: UInt64 = 0
                for (offset, byte) in padded[start..<start + 8].enumerated() {
                    word |= UInt64(byte) << UInt64(offset * 8)
                }
                words.append(word)
            }
        }
        self.words = words.reversed()
    }

    mutating func next() -> UInt64 { words.popLast() ?? 0 }
}
