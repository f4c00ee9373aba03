#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A status as listed in `online-users-list`.
enum PresenceListedStatus: UInt8, Sendable {
    case available = 1
    case busy = 2
    case away = 3

    /// The status a client sends in `user-ping`.
    var clientValue: String { self == .busy ? "busy" : "available" }
}

/// Just enough Engine.IO v4 / Socket.IO v5 text-frame parsing for the presence load: the packet kind from the
/// first bytes, and the users' statuses in an `online-users-list` payload as the gateway writes it
/// (`{"user":"17","status":"busy","time":…}`, compact JSON), found by byte search (`memchr` + `memcmp`) rather than a
/// JSON parse, because a list has one entry per user and every client receives every list.
enum PresenceFrames {
    /// What a text frame from the server is.
    enum Kind: Equatable, Sendable {
        /// Engine.IO open `0{…}`.
        case open
        /// Engine.IO ping `2`.
        case ping
        /// Engine.IO close `1`.
        case close
        /// Socket.IO CONNECT accepted `40{"sid":…}`.
        case connected
        /// Socket.IO DISCONNECT `41`.
        case serverDisconnect
        /// Socket.IO CONNECT_ERROR `44…`.
        case connectError
        /// `42["online-users-list",…]`.
        case list
        /// `42["online-users-count",…]`.
        case count
        /// Anything else.
        case other
    }

    private static let listPrefix = Array(#"42["online-users-list","#.utf8)
    private static let countPrefix = Array(#"42["online-users-count","#.utf8)
    private static let entryStart = Array(#"{"user":""#.utf8)
    private static let statusKey = Array(#"","status":""#.utf8)

    /// The kind of the text frame `bytes`.
    static func kind(_ bytes: UnsafeRawBufferPointer) -> Kind {
        guard let first = bytes.first else { return .other }
        switch first {
        case UInt8(ascii: "0"): return bytes.count > 1 && bytes[1] == UInt8(ascii: "{") ? .open : .other
        case UInt8(ascii: "1"): return bytes.count == 1 ? .close : .other
        case UInt8(ascii: "2"): return bytes.count == 1 ? .ping : .other
        case UInt8(ascii: "4"):
            guard bytes.count > 1 else { return .other }
            switch bytes[1] {
            case UInt8(ascii: "0"): return bytes.count > 2 && bytes[2] == UInt8(ascii: "{") ? .connected : .other
            case UInt8(ascii: "1"): return .serverDisconnect
            case UInt8(ascii: "4"): return .connectError
            case UInt8(ascii: "2"):
                if hasPrefix(bytes, listPrefix) { return .list }
                if hasPrefix(bytes, countPrefix) { return .count }
                return .other
            default: return .other
            }
        default: return .other
        }
    }

    /// `{"user":"<id>","status":"`: what ``status(of:in:)`` looks for.
    static func entryPattern(user: Int) -> [UInt8] {
        entryStart + Array(String(user).utf8) + statusKey
    }

    /// The status listed for the user of `pattern` (from ``entryPattern(user:)``) in the list frame `bytes`; nil
    /// when the user is not listed.
    static func status(of pattern: [UInt8], in bytes: UnsafeRawBufferPointer) -> PresenceListedStatus? {
        guard let found = pattern.withUnsafeBytes({ find($0, in: bytes, from: 0) }) else { return nil }
        return status(at: found + pattern.count, in: bytes)
    }

    /// Calls `body` with the numeric user id and status of every entry of the list frame `bytes`, in order
    /// (entries whose id is not a decimal number are skipped).
    static func forEachEntry(in bytes: UnsafeRawBufferPointer, _ body: (Int, PresenceListedStatus) -> Void) {
        var offset = 0
        entryStart.withUnsafeBytes { needle in
            while offset < bytes.count {
                guard let found = find(needle, in: bytes, from: offset) else { return }
                var position = found + needle.count
                var user = 0
                var digits = 0
                while position < bytes.count, bytes[position] >= UInt8(ascii: "0"),
                    bytes[position] <= UInt8(ascii: "9"),
                    digits < 18
                {
                    user = user * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                    position += 1
                    digits += 1
                }
                offset = position
                guard digits > 0, hasPrefix(bytes, statusKey, at: position) else { continue }
                position += statusKey.count
                offset = position
                if let status = status(at: position, in: bytes) { body(user, status) }
            }
        }
    }

    /// The offset of the first occurrence of `needle` in `bytes` at or after `start`.
    private static func find(
        _ needle: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from start: Int
    ) -> Int? {
        guard let base = bytes.baseAddress, let first = needle.first, let rest = needle.baseAddress.map({ $0 + 1 })
        else { return nil }
        var offset = start
        while bytes.count - offset >= needle.count {
            guard let hit = memchr(base + offset, Int32(first), bytes.count - offset - needle.count + 1) else {
                return nil
            }
            let position = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + position + 1, rest, needle.count - 1) == 0 { return position }
            offset = position + 1
        }
        return nil
    }

    private static func status(at position: Int, in bytes: UnsafeRawBufferPointer) -> PresenceListedStatus? {
        guard position + 1 < bytes.count else { return nil }
        switch (bytes[position], bytes[position + 1]) {
        case (UInt8(ascii: "b"), UInt8(ascii: "u")): return .busy
        case (UInt8(ascii: "a"), UInt8(ascii: "v")): return .available
        case (UInt8(ascii: "a"), UInt8(ascii: "w")): return .away
        default: return nil
        }
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard bytes.count - offset >= prefix.count else { return false }
        for (index, byte) in prefix.enumerated() where bytes[offset + index] != byte { return false }
        return true
    }
}
