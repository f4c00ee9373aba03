import Steps
import Testing

@Suite struct StepsStateTests {
    func update(_ id: String, _ steps: Double, ts: Double = 1, user: String = "jenna") -> StepsUpdate {
        StepsUpdate(updateID: id, username: user, ts: ts, newSteps: steps)
    }

    @Test func createsAnUnknownUser() {
        let t = StepsState.apply(update("a", 17, ts: 100), to: nil, alreadyApplied: false)
        #expect(
            t == .applied(user: UserSteps(cumulativeSteps: 17, ts: 100, appliedCount: 1), forgetThrough: 0))
    }

    @Test func accumulatesAndTakesTheLatestArrivalTs() {
        var user: UserSteps? = nil
        for (i, (steps, ts)) in [(17.0, 300.0), (3.5, 100.0), (0.0, 200.0)].enumerated() {
            guard
                case .applied(let next, _) = StepsState.apply(
                    update("\(i)", steps, ts: ts), to: user, alreadyApplied: false)
            else {
                Issue.record("not applied")
                return
            }
            user = next
        }
        // Arrival order decides "most recent", not the larger ts.
        #expect(user == UserSteps(cumulativeSteps: 20.5, ts: 200, appliedCount: 3))
    }

    @Test func duplicateChangesNothing() {
        let current = UserSteps(cumulativeSteps: 5, ts: 9, appliedCount: 2)
        #expect(StepsState.apply(update("a", 17), to: current, alreadyApplied: true) == .duplicate)
    }

    @Test func forgetsIdsOutsideTheWindow() {
        let limits = StepsLimits(dedupeWindow: 3)
        let current = UserSteps(cumulativeSteps: 5, ts: 9, appliedCount: 10)
        guard
            case .applied(let next, let forget) = StepsState.apply(
                update("z", 1), to: current, alreadyApplied: false, limits: limits)
        else {
            Issue.record("not applied")
            return
        }
        #expect(next.appliedCount == 11)
        // Sequences 9, 10 and 11 stay remembered.
        #expect(forget == 8)
    }

    @Test func forgetsInBulkEveryEighthOfTheWindow() {
        let limits = StepsLimits(dedupeWindow: 16)
        func forget(after count: Int64) -> Int64? {
            let current = UserSteps(cumulativeSteps: 0, ts: 0, appliedCount: count)
            guard
                case .applied(_, let through) = StepsState.apply(
                    update("z", 1), to: current, alreadyApplied: false, limits: limits)
            else { return nil }
            return through
        }
        // Every second update (16 / 8) forgets what fell out of the window; the others forget nothing.
        #expect(forget(after: 30) == 0)
        #expect(forget(after: 31) == 16)
        #expect(forget(after: 32) == 0)
        #expect(forget(after: 33) == 18)
        // A young user has nothing to forget yet.
        #expect(forget(after: 3) ?? 1 <= 0)
    }
}
