package import Wire

/// The body of a lobby event message: one change; the header carries the stream's sequence number.
///
/// `u8 tag` then tag 1 added `i64 after_id | table`, tag 2 updated `table`, tag 3 removed `i64 id`, where
/// `table = i64 id | str name | i64 participants`.
package enum LobbyEventBody {
    private static let addedTag: UInt8 = 1
    private static let updatedTag: UInt8 = 2
    private static let removedTag: UInt8 = 3

    /// Encodes an event.
    package static func encode(_ event: LobbyEvent) -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        switch event {
        case .tableAdded(let afterID, let table):
            w.write(addedTag)
            w.write(int64: afterID)
            table.write(to: &w)
        case .tableUpdated(let table):
            w.write(updatedTag)
            table.write(to: &w)
        case .tableRemoved(let id):
            w.write(removedTag)
            w.write(int64: id)
        }
        return w.bytes
    }

    /// Decodes an event.
    package static func decode(_ body: [UInt8]) throws(WireError) -> LobbyEvent {
        var r = ByteReader(body)
        let event: LobbyEvent
        switch try r.readByte() {
        case addedTag:
            let afterID = try r.readInt64()
            event = .tableAdded(afterID: afterID, table: try LobbyTable.read(from: &r))
        case updatedTag:
            event = .tableUpdated(table: try LobbyTable.read(from: &r))
        case removedTag:
            event = .tableRemoved(id: try r.readInt64())
        case let tag:
            throw WireError(.badValue, "lobby event tag \(tag)")
        }
        try r.expectEnd()
        return event
    }
}
