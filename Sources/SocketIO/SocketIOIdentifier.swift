import Base64Coding

/// Session and socket ids as both reference servers make them: 15 random bytes in URL-safe base64, 20 characters
/// (`lv_VI97HAXpY6yYWAAAC`). Opaque and unguessable when the generator is a cryptographic one.
package enum SocketIOIdentifier {
    /// Random bytes per id.
    package static let byteCount = 15

    /// A new id from `generator`: `SystemRandomNumberGenerator` in production (cryptographically secure), a seeded
    /// one in tests.
    package static func make(using generator: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        while bytes.count < byteCount {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < byteCount {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return Base64.encode(bytes, alphabet: Base64.urlSafe, padded: false)
    }
}
