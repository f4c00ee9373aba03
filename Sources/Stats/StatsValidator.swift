package import JSON

/// Turns the POST body into a session, or says which field is wrong and why (contracts §2).
///
/// Stricter than the swagger, as the contract decides: all four fields are required and every number is ≥ 0;
/// `totalModulesStudied` must be whole (`3.0` counts as 3, since JSON does not tell them apart). Unknown fields are
/// ignored.
package struct StatsValidator: Sendable {
    /// Limits applied.
    package var limits: StatsLimits

    /// Creates a validator.
    package init(limits: StatsLimits = .default) { self.limits = limits }

    /// Validates a request body.
    package func session<Bytes: Collection<UInt8>>(from body: Bytes) -> Result<StatsSession, StatsInputError> {
        guard body.count <= limits.maxBodyBytes else {
            return .failure(StatsInputError(.tooLarge, "body is larger than \(limits.maxBodyBytes) bytes"))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            return .failure(StatsInputError(.notAnObject, "body is not valid JSON: \(error.reason)"))
        }
        return session(from: value)
    }

    /// Validates a parsed body.
    package func session(from value: JSONValue) -> Result<StatsSession, StatsInputError> {
        guard case .object(let object) = value else {
            return .failure(StatsInputError(.notAnObject, "body must be a JSON object"))
        }
        func fail(_ message: String) -> Result<StatsSession, StatsInputError> {
            .failure(StatsInputError(.field, message))
        }
        guard let rawID = object["sessionId"] else { return fail("sessionId is required") }
        guard case .string(let text) = rawID, let sessionID = StatsID(text) else {
            return fail("sessionId must be a UUID")
        }
        var numbers: [Double] = []
        for field in ["totalModulesStudied", "averageScore", "timeStudied"] {
            guard let raw = object[field] else { return fail("\(field) is required") }
            guard case .number(let number) = raw, number.isFinite else { return fail("\(field) must be a number") }
            guard number >= 0 else { return fail("\(field) must not be negative") }
            let isModules = numbers.isEmpty
            let maximum = isModules ? Double(limits.maxModules) : limits.maxNumber
            guard number <= maximum else { return fail("\(field) must be at most \(Self.text(maximum))") }
            if isModules, number.rounded(.towardZero) != number { return fail("\(field) must be an integer") }
            numbers.append(number)
        }
        return .success(
            StatsSession(
                sessionID: sessionID, totalModulesStudied: Int64(numbers[0]),
                // -0 is ≥ 0; store it as 0 so it is written back as `0`.
                averageScore: numbers[1] + 0, timeStudied: numbers[2] + 0))
    }

    /// A limit as a message shows it: whole numbers without exponent or fraction.
    private static func text(_ limit: Double) -> String {
        limit.rounded() == limit && abs(limit) < 9e15 ? String(Int64(limit)) : "\(limit)"
    }
}
