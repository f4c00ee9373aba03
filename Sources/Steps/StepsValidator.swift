package import JSON

/// Turns one WebSocket text frame into a valid update or a rejection (contracts §1).
package struct StepsValidator: Sendable {
    /// Limits applied.
    package var limits: StepsLimits

    /// Creates a validator.
    package init(limits: StepsLimits = .default) { self.limits = limits }

    /// Validates a frame's bytes (read in place when contiguous, e.g. a native `String`'s `utf8`).
    package func validate<Bytes: Collection<UInt8>>(_ frame: Bytes) -> Result<StepsUpdate, StepsRejection> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(frame)
        } catch {
            return .failure(StepsRejection(updateID: nil, error: "invalid JSON: \(error.reason)"))
        }
        return validate(value)
    }

    /// Validates a parsed value.
    package func validate(_ value: JSONValue) -> Result<StepsUpdate, StepsRejection> {
        guard case .object(let object) = value else {
            return .failure(StepsRejection(updateID: nil, error: "update must be a JSON object"))
        }
        var echoedID: String? = nil
        if case .string(let s) = object["update_id"] { echoedID = s }
        func reject(_ why: String) -> Result<StepsUpdate, StepsRejection> {
            .failure(StepsRejection(updateID: echoedID, error: why))
        }
        guard let updateID = echoedID else { return reject("update_id must be a string") }
        guard !updateID.isEmpty else { return reject("update_id must not be empty") }
        guard updateID.utf8.count <= limits.maxUpdateIDBytes else {
            return reject("update_id is longer than \(limits.maxUpdateIDBytes) bytes")
        }
        guard case .string(let username) = object["username"] else { return reject("username must be a string") }
        guard !username.isEmpty else { return reject("username must not be empty") }
        guard username.utf8.count <= limits.maxUsernameBytes else {
            return reject("username is longer than \(limits.maxUsernameBytes) bytes")
        }
        guard case .number(let ts) = object["ts"], ts.isFinite else { return reject("ts must be a number") }
        guard case .number(let newSteps) = object["newSteps"], newSteps.isFinite else {
            return reject("newSteps must be a number")
        }
        guard newSteps >= 0 else { return reject("newSteps must be >= 0") }
        guard newSteps <= StepsLimits.maxNewSteps else { return reject("newSteps must be at most 1e15") }
        return .success(StepsUpdate(updateID: updateID, username: username, ts: ts, newSteps: newSteps))
    }
}
