import Stats
import Testing

@Suite struct StatsValidatorTests {
    let validator = StatsValidator()
    let id = "7b0a4bde-3c1b-4f5e-9a61-1b2c3d4e5f60"

    func check(_ body: String) -> Result<StatsSession, StatsInputError> {
        validator.session(from: Array(body.utf8))
    }

    func message(_ body: String) -> String? {
        if case .failure(let error) = check(body) { return error.message }
        return nil
    }

    @Test func acceptsAValidSessionAndIgnoresUnknownFields() throws {
        let body =
            #"{"sessionId":"\#(id.uppercased())","totalModulesStudied":3.0,"averageScore":82.5,"timeStudied":1500.25,"extra":[1]}"#
        let session = try check(body).get()
        #expect(
            session
                == StatsSession(
                    sessionID: StatsID(id)!, totalModulesStudied: 3, averageScore: 82.5, timeStudied: 1500.25))
    }

    @Test func zeroesAreValidAndNegativeZeroIsZero() throws {
        let session = try check(#"{"sessionId":"\#(id)","totalModulesStudied":0,"averageScore":-0,"timeStudied":-0.0}"#)
            .get()
        #expect(session.averageScore.sign == .plus)
        #expect(session.timeStudied.sign == .plus)
        #expect(session.totalModulesStudied == 0)
    }

    @Test(arguments: [
        ("[]", "body must be a JSON object"),
        ("\"x\"", "body must be a JSON object"),
        ("null", "body must be a JSON object"),
        ("{}", "sessionId is required"),
        (#"{"sessionId":5}"#, "sessionId must be a UUID"),
        (#"{"sessionId":"nope"}"#, "sessionId must be a UUID"),
        (#"{"sessionId":null}"#, "sessionId must be a UUID"),
    ])
    func rejectsBodiesThatAreNotSessions(_ body: String, _ expected: String) {
        #expect(message(body) == expected)
    }

    @Test func rejectsInvalidJSONSayingSo() throws {
        let text = try #require(message("{\"sessionId\":"))
        #expect(text.hasPrefix("body is not valid JSON: "))
        #expect(message("") != nil)
    }

    @Test(arguments: ["totalModulesStudied", "averageScore", "timeStudied"])
    func everyNumberIsRequiredTypedNonNegativeAndBounded(_ field: String) {
        var fields = ["totalModulesStudied": "1", "averageScore": "2", "timeStudied": "3"]
        func body() -> String {
            let rest = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            return "{\"sessionId\":\"\(id)\"\(rest.isEmpty ? "" : ",")\(rest)}"
        }
        fields[field] = nil
        #expect(message(body()) == "\(field) is required")
        for wrong in ["\"1\"", "true", "null", "[1]", "{}"] {
            fields[field] = wrong
            #expect(message(body()) == "\(field) must be a number")
        }
        fields[field] = "-1"
        #expect(message(body()) == "\(field) must not be negative")
        let limit = field == "totalModulesStudied" ? "1000000000" : "1000000000000000"
        fields[field] = "1e300"
        #expect(message(body()) == "\(field) must be at most \(limit)")
        fields[field] = limit
        #expect(message(body()) == nil)
    }

    @Test func modulesMustBeWholeButTimeMayBeFractional() {
        #expect(
            message(#"{"sessionId":"\#(id)","totalModulesStudied":2.5,"averageScore":1,"timeStudied":1}"#)
                == "totalModulesStudied must be an integer")
        #expect(message(#"{"sessionId":"\#(id)","totalModulesStudied":2,"averageScore":1.5,"timeStudied":0.5}"#) == nil)
    }

    @Test func fieldsAreCheckedInDocumentOrder() {
        // Two faults: the first field of the contract's order is reported.
        #expect(
            message(#"{"sessionId":"\#(id)","totalModulesStudied":1.5,"averageScore":-1}"#)
                == "totalModulesStudied must be an integer")
        #expect(message(#"{"totalModulesStudied":-1}"#) == "sessionId is required")
    }

    @Test func bodiesOverTheLimitAreTooLarge() {
        let small = StatsValidator(limits: StatsLimits(maxBodyBytes: 10))
        guard case .failure(let error) = small.session(from: Array("{\"a\":\"0123456789\"}".utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .tooLarge)
        #expect(error.message == "body is larger than 10 bytes")
    }
}
