import GatewayCore
import JSON
import Stats

/// The learning-stats JSON bodies (contracts §2).
enum StatsJSON {
    static func session(_ session: StatsSession) -> String {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.key("sessionId")
        w.value(session.sessionID.description)
        w.key("totalModulesStudied")
        w.value(Int(session.totalModulesStudied))
        w.key("averageScore")
        w.value(session.averageScore)
        w.key("timeStudied")
        w.value(session.timeStudied)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func course(_ stats: CourseStats) -> String {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.key("totalModulesStudied")
        w.value(Int(stats.totalModulesStudied))
        w.key("averageScore")
        w.value(stats.averageScore)
        w.key("timeStudied")
        w.value(stats.timeStudied)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
