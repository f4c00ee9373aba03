import NIOCore

/// The admin's changes and how subscribers recognise them: change n is an `update_table` of one table whose name is
/// `lb-<n>-<send time>` and whose participants are n, so every `table_updated` a subscriber receives says which change
/// it is and when the admin sent it (monotonic nanoseconds of this process, the clock every connection reads).
enum LobbyChange {
    /// The prefix of every name the admin writes.
    static let namePrefix = "lb-"

    /// Writes the admin's `update_table` for change `number`, sent at `sentNanos`, into `buffer`.
    static func writeUpdate(tableID: Int64, number: UInt64, sentNanos: UInt64, into buffer: inout ByteBuffer) {
        buffer.writeString(#"{"$type":"update_table","table":{"id":"#)
        buffer.writeString(String(tableID))
        buffer.writeString(#","name":""#)
        buffer.writeString(namePrefix)
        buffer.writeString(String(number))
        buffer.writeString("-")
        buffer.writeString(String(sentNanos))
        buffer.writeString(#"","participants":"#)
        buffer.writeString(String(number))
        buffer.writeString("}}")
    }

    /// The change number and send time a table name carries, if it is one of the admin's names.
    static func parse(name: some Collection<UInt8>) -> (number: UInt64, sentNanos: UInt64)? {
        let prefix = namePrefix.utf8
        guard name.starts(with: prefix) else { return nil }
        var index = name.index(name.startIndex, offsetBy: prefix.count)
        guard let (number, afterNumber) = digits(in: name, from: index), afterNumber < name.endIndex,
            name[afterNumber] == UInt8(ascii: "-")
        else { return nil }
        index = name.index(after: afterNumber)
        guard let (sent, end) = digits(in: name, from: index), end == name.endIndex else { return nil }
        return (number, sent)
    }

    /// The decimal number starting at `start` and the index after it; nil without a digit or on overflow.
    static func digits<C: Collection<UInt8>>(in bytes: C, from start: C.Index) -> (UInt64, C.Index)? {
        var value: UInt64 = 0
        var index = start
        while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index = bytes.index(after: index)
        }
        return index == start ? nil : (value, index)
    }
}
