import Wire

extension LobbyTable {
    /// `i64 id | str name | i64 participants`.
    func write(to w: inout ByteWriter) {
        w.write(int64: id)
        w.write(name)
        w.write(int64: participants)
    }

    static func read(from r: inout ByteReader) throws(WireError) -> LobbyTable {
        let id = try r.readInt64()
        let name = try r.readString()
        let participants = try r.readInt64()
        return LobbyTable(id: id, name: name, participants: participants)
    }
}

extension LobbyUserType {
    /// The type's byte on the wire: 1 admin, 2 user.
    var code: UInt8 {
        switch self {
        case .admin: 1
        case .user: 2
        }
    }

    init(code: UInt8) throws(WireError) {
        switch code {
        case 1: self = .admin
        case 2: self = .user
        default: throw WireError(.badValue, "lobby user type \(code)")
        }
    }
}

extension LobbyFailure {
    /// `u8 kind | i64 after_id or id` (kinds 1 addition, 2 update, 3 removal), or `u8 4 | str reason`.
    func write(to w: inout ByteWriter) {
        switch self {
        case .additionFailed(let afterID):
            w.write(UInt8(1))
            w.write(int64: afterID)
        case .updateFailed(let id):
            w.write(UInt8(2))
            w.write(int64: id)
        case .removalFailed(let id):
            w.write(UInt8(3))
            w.write(int64: id)
        case .invalid(let reason):
            w.write(UInt8(4))
            w.write(reason)
        }
    }

    static func read(from r: inout ByteReader) throws(WireError) -> LobbyFailure {
        switch try r.readByte() {
        case 1: .additionFailed(afterID: try r.readInt64())
        case 2: .updateFailed(id: try r.readInt64())
        case 3: .removalFailed(id: try r.readInt64())
        case 4: .invalid(reason: try r.readString())
        case let kind: throw WireError(.badValue, "lobby failure kind \(kind)")
        }
    }
}

extension ByteWriter {
    /// A two's-complement big-endian i64.
    mutating func write(int64 v: Int64) { write(UInt64(bitPattern: v)) }
}

extension ByteReader {
    /// Reads what `write(int64:)` wrote.
    mutating func readInt64() throws(WireError) -> Int64 { Int64(bitPattern: try readUInt64()) }
}
