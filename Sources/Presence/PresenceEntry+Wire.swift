import Wire

extension PresenceStatus {
    /// The status's byte on the wire: 1 available, 2 busy, 3 away.
    var code: UInt8 {
        switch self {
        case .available: 1
        case .busy: 2
        case .away: 3
        }
    }

    static func read(from r: inout ByteReader) throws(WireError) -> PresenceStatus {
        switch try r.readByte() {
        case 1: .available
        case 2: .busy
        case 3: .away
        case let code: throw WireError(.badValue, "presence status \(code)")
        }
    }
}

extension PresenceUserID {
    static func read(from r: inout ByteReader) throws(WireError) -> PresenceUserID {
        guard let user = PresenceUserID(try r.readString()) else { throw WireError(.badValue, "presence user id") }
        return user
    }
}

extension PresenceEntry {
    /// `str user | u8 status | i64 time`.
    func write(to w: inout ByteWriter) {
        w.write(user.text)
        w.write(status.code)
        w.write(UInt64(bitPattern: time))
    }

    static func read(from r: inout ByteReader) throws(WireError) -> PresenceEntry {
        let user = try PresenceUserID.read(from: &r)
        let status = try PresenceStatus.read(from: &r)
        let time = Int64(bitPattern: try r.readUInt64())
        return PresenceEntry(user: user, status: status, time: time)
    }
}
