import Foundation
import JSON
package import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line to standard error (`--log-format json`):
/// `{"time":"2026-12-06T14:50:30.123Z","level":"info","role":"gateway","process":"g1","label":…,"message":…,
/// "source":…,"metadata":{…}}`. Metadata values are strings, except nested lists and dictionaries.
package struct JSONLogHandler: LogHandler {
    /// The role and process id every line carries.
    package let role: String
    package let process: String
    let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    /// A handler for the logger `label` of process `process` in role `role`.
    package init(label: String, role: String, process: String) {
        self.label = label
        self.role = role
        self.process = process
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let line = self.line(for: event, at: Date())
        // One write per line, so lines from several threads never interleave.
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line)) }
    }

    /// The line `event` is written as, at `time`, with its line break.
    func line(for event: LogEvent, at time: Date) -> [UInt8] {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("time")
        w.value(Self.timestamp(time))
        w.key("level")
        w.value(event.level.rawValue)
        w.key("role")
        w.value(role)
        w.key("process")
        w.value(process)
        w.key("label")
        w.value(label)
        w.key("message")
        w.value(event.message.description)
        w.key("source")
        w.value(event.source)
        if !merged.isEmpty {
            w.key("metadata")
            Self.write(.dictionary(merged), to: &w)
        }
        w.endObject()
        var line = w.bytes
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static let output = Mutex(())

    /// UTC with milliseconds, as RFC 3339.
    static func timestamp(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    private static func write(_ value: Logger.Metadata.Value, to w: inout JSONWriter) {
        switch value {
        case .string(let s): w.value(s)
        case .stringConvertible(let c): w.value(c.description)
        case .array(let items):
            w.beginArray()
            for item in items { write(item, to: &w) }
            w.endArray()
        case .dictionary(let entries):
            w.beginObject()
            for (key, item) in entries.sorted(by: { $0.key < $1.key }) {
                w.key(key)
                write(item, to: &w)
            }
            w.endObject()
        }
    }
}
