/// Base64 (RFC 4648) on the standard library alone, for the three places the products need it: Engine.IO's binary
/// packets and session ids, the lobby's stored password hashes and its Basic credentials.
///
/// Two decoders, because the callers need two rules: `decode` is as lenient as Engine.IO's reference server (either
/// alphabet, padding optional) but refuses garbage rather than skipping it; `decodeCanonical` accepts exactly one
/// spelling per byte string (standard alphabet, padded, unused bits zero), so a stored hash round-trips and
/// compares exactly.
package enum Base64 {
    /// RFC 4648 §4 alphabet.
    package static let standard: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// RFC 4648 §5 alphabet (`-` and `_` instead of `+` and `/`), safe in a URL or a query string.
    package static let urlSafe: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `bytes` with `alphabet`, adding `=` padding when `padded`.
    package static func encode(_ bytes: some Collection<UInt8>, alphabet: [UInt8] = standard, padded: Bool = true)
        -> String
    {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                out.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
            if let b2 {
                out.append(alphabet[Int(b2 & 0x3F)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64 in either alphabet, with or without padding; nil for any other character or a bad length.
    ///
    /// Node's decoder (which the Engine.IO reference server uses) also accepts both alphabets; unlike it, garbage
    /// is refused rather than skipped, so a corrupt packet closes the session instead of delivering other bytes.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var symbols = Array(text)
        var padding = 0
        while symbols.last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        if padding > 2 || (padding > 0 && (symbols.count + padding) % 4 != 0) || symbols.count % 4 == 1 {
            return nil
        }
        return decodeSymbols(symbols, urlSafe: true, canonical: false)
    }

    /// Decodes canonical base64 only: the standard alphabet, padded to a multiple of four, and the bits below the
    /// last byte zero. Anything else — another alphabet, missing padding, whitespace, a second spelling of the same
    /// bytes — is nil.
    package static func decodeCanonical(_ text: some Collection<UInt8>) -> [UInt8]? {
        var symbols = Array(text)
        guard symbols.count % 4 == 0 else { return nil }
        var padding = 0
        while padding < 2, symbols.last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        return decodeSymbols(symbols, urlSafe: false, canonical: true)
    }

    /// The bytes of unpadded symbols; nil for a symbol outside the alphabet, or, when `canonical`, unused bits
    /// that are not zero.
    private static func decodeSymbols(_ symbols: [UInt8], urlSafe: Bool, canonical: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            guard let value = sextet(symbol, urlSafe: urlSafe) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if canonical, accumulator & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return out
    }

    private static func sextet(_ symbol: UInt8, urlSafe: Bool) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        case UInt8(ascii: "-") where urlSafe: 62
        case UInt8(ascii: "_") where urlSafe: 63
        default: nil
        }
    }
}
