import GatewayCore
import JSON
import Steps

/// The step tracker's JSON bodies (contracts §1).
enum StepsJSON {
    static func steps(_ user: UserSteps) -> String {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("cumulativeSteps")
        w.value(user.cumulativeSteps)
        w.key("ts")
        w.value(user.ts)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func ack(_ updateID: String) -> String {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("$type")
        w.value("ack")
        w.key("update_id")
        w.value(updateID)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func rejected(_ rejection: StepsRejection) -> String {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.key("$type")
        w.value("rejected")
        w.key("update_id")
        if let id = rejection.updateID { w.value(id) } else { w.null() }
        w.key("error")
        w.value(rejection.error)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
