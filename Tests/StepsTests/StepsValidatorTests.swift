import Steps
import Testing

@Suite struct StepsValidatorTests {
    let validator = StepsValidator()

    private func check(_ text: String) -> Result<StepsUpdate, StepsRejection> {
        validator.validate(Array(text.utf8))
    }

    @Test func acceptsTheContractExample() throws {
        let update = try check(
            #"{"update_id": "c0efd8a1-b3b8-49b7-92b1-69edc8bd6c0c", "username": "jenna", "ts": 1503031275211, "newSteps": 17}"#
        ).get()
        #expect(
            update
                == StepsUpdate(
                    updateID: "c0efd8a1-b3b8-49b7-92b1-69edc8bd6c0c", username: "jenna", ts: 1503031275211, newSteps: 17
                ))
    }

    @Test func acceptsZeroFractionalExtraFieldsAndUnicode() throws {
        #expect(try check(#"{"update_id":"1","username":"a","ts":1,"newSteps":0}"#).get().newSteps == 0)
        #expect(try check(#"{"update_id":"1","username":"a","ts":1.5,"newSteps":0.25}"#).get().newSteps == 0.25)
        #expect(
            try check(#"{"update_id":"1","username":"a","ts":1,"newSteps":2,"extra":[1,{"x":null}]}"#).get()
                .newSteps == 2)
        #expect(
            try check(#"{"update_id":"1","username":"Zoë \ud83d\ude00","ts":-5,"newSteps":1e3}"#).get()
                .username == "Zoë 😀")
        let name256 = String(repeating: "é", count: 128)  // 256 bytes
        #expect(try check(#"{"update_id":"1","username":"\#(name256)","ts":1,"newSteps":1}"#).get().username == name256)
    }

    @Test func lastDuplicateKeyWins() throws {
        #expect(try check(#"{"update_id":"1","username":"a","ts":1,"newSteps":-1,"newSteps":3}"#).get().newSteps == 3)
    }

    /// Every invalid shape of contracts §1, with whether the update_id is echoed.
    @Test(arguments: [
        ("", nil as String?),
        ("not json", nil),
        ("{", nil),
        ("[]", nil),
        ("\"text\"", nil),
        ("42", nil),
        ("null", nil),
        ("true", nil),
        (#"[{"update_id":"1","username":"a","ts":1,"newSteps":1}]"#, nil),
        (#"{"username":"a","ts":1,"newSteps":1}"#, nil),
        (#"{"update_id":1,"username":"a","ts":1,"newSteps":1}"#, nil),
        (#"{"update_id":null,"username":"a","ts":1,"newSteps":1}"#, nil),
        (#"{"update_id":"","username":"a","ts":1,"newSteps":1}"#, ""),
        (#"{"update_id":"u","ts":1,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"","ts":1,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":7,"ts":1,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":["a"],"ts":1,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"a","newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":"1503031275211","newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":null,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":true,"newSteps":1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":"17"}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":-1}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":-0.001}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":{}}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":1.0000001e15}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":1e308}"#, "u"),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":1e999}"#, nil),
        (#"{"update_id":"u","username":"a","ts":-1e999,"newSteps":1}"#, nil),
        (#"{"update_id":"u","username":"a","ts":NaN,"newSteps":1}"#, nil),
        (#"{"update_id":"u","username":"a","ts":1,"newSteps":1,}"#, nil),
    ])
    func rejectsInvalidShapes(text: String, echoed: String?) {
        guard case .failure(let rejection) = check(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(rejection.updateID == echoed, "\(text)")
        #expect(!rejection.error.isEmpty)
    }

    @Test func newStepsUpToTheBoundAreAccepted() throws {
        let update = try check(#"{"update_id":"u","username":"a","ts":1,"newSteps":1e15}"#).get()
        #expect(update.newSteps == StepsLimits.maxNewSteps)
    }

    @Test func rejectsOverlongNamesAndIDs() {
        let long = String(repeating: "a", count: 257)
        guard case .failure(let r1) = check(#"{"update_id":"u","username":"\#(long)","ts":1,"newSteps":1}"#) else {
            Issue.record("accepted a 257-byte username")
            return
        }
        #expect(r1.error.contains("256"))
        let longID = String(repeating: "i", count: 65_536)
        guard case .failure = check(#"{"update_id":"\#(longID)","username":"a","ts":1,"newSteps":1}"#) else {
            Issue.record("accepted a 65536-byte update_id")
            return
        }
    }

    @Test func rejectsInvalidUTF8() {
        guard case .failure = validator.validate([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) else {
            Issue.record("accepted invalid UTF-8")
            return
        }
    }
}
