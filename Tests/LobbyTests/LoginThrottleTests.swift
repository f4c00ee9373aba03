import Lobby
import Testing
import Wire

@Suite struct LoginThrottleTests {
    static let s: Int64 = 1_000_000_000

    @Test func aNameIsLockedAfterTheFailuresInARowAndFreedAfterTheLockout() {
        var throttle = LoginThrottle(maxFailures: 3, lockout: .seconds(30))
        #expect(throttle.allows("admin", at: 0))
        let r1 = throttle.failed("admin", at: 1 * Self.s)
        #expect(!r1)
        let r2 = throttle.failed("admin", at: 2 * Self.s)
        #expect(!r2)
        #expect(throttle.allows("admin", at: 2 * Self.s))
        let third = throttle.failed("admin", at: 3 * Self.s)
        #expect(third)  // the third locks
        #expect(!throttle.allows("admin", at: 3 * Self.s))
        #expect(!throttle.allows("admin", at: 32 * Self.s))
        #expect(throttle.allows("admin", at: 33 * Self.s))
        // Other names are not affected.
        #expect(throttle.allows("user", at: 3 * Self.s))
    }

    @Test func afterALockOneMoreFailureLocksAgain() {
        var throttle = LoginThrottle(maxFailures: 3, lockout: .seconds(10))
        for t in 0..<3 { throttle.failed("a", at: Int64(t)) }
        #expect(!throttle.allows("a", at: 5 * Self.s))
        let r3 = throttle.failed("a", at: 11 * Self.s)
        #expect(r3)
        #expect(!throttle.allows("a", at: 12 * Self.s))
    }

    @Test func aSuccessStartsTheNameAfresh() {
        var throttle = LoginThrottle(maxFailures: 2, lockout: .seconds(10))
        throttle.failed("a", at: 0)
        throttle.succeeded("a")
        let r4 = throttle.failed("a", at: 1)
        #expect(!r4)
        #expect(throttle.allows("a", at: 1))
        #expect(throttle.trackedNames == 1)
    }

    @Test func trackedNamesAreBounded() {
        var throttle = LoginThrottle(maxFailures: 5, lockout: .seconds(10), maxNames: 100)
        for i in 0..<1000 { throttle.failed("name\(i)", at: Int64(i)) }
        #expect(throttle.trackedNames <= 100)
        // The newest are kept.
        throttle.failed("name999", at: 1000)
        throttle.failed("name999", at: 1001)
        throttle.failed("name999", at: 1002)
        let r5 = throttle.failed("name999", at: 1003)
        #expect(r5)
    }
}

@Suite struct FirstStartAccountsTests {
    @Test func theHeartbeatsAccountBitsFollowTheLobbysFirstStartUsers() {
        #expect(EdgeCounter.firstStartAccounts == LobbyUsers.defaultCredentials.map(\.username))
        #expect(EdgeCounter.firstStartAccounts(in: 0b10) == ["user"])
        #expect(EdgeCounter.firstStartAccounts(in: 0b11) == ["admin", "user"])
        #expect(EdgeCounter.firstStartAccounts(in: 0) == [])
    }
}
