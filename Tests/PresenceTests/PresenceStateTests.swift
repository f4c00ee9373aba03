import Presence
import Testing

/// The presence timeouts with a manual clock (milliseconds since the epoch): no test waits.
@Suite struct PresenceStateTests {
    let settings = PresenceSettings(lifetimeActive: .seconds(10), lifetimeAway: .seconds(20))
    let t0: Int64 = 1_676_735_121_000

    func user(_ id: String) -> PresenceUserID { PresenceUserID(id)! }

    @Test func aPingListsTheUserWithTheTimeInSeconds() {
        var state = PresenceState(settings: settings)
        let change = state.ping(user("1"), status: .busy, at: t0 + 999)
        #expect(change == .upsert(PresenceEntry(user: user("1"), status: .busy, time: 1_676_735_121)))
        #expect(state.entries == [PresenceEntry(user: user("1"), status: .busy, time: 1_676_735_121)])
        #expect(state.nextDeadline == t0 + 999 + 10_000)
    }

    @Test func anIdenticalPingInTheSameSecondChangesNothing() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("1"), status: .available, at: t0)
        #expect(state.ping(user("1"), status: .available, at: t0 + 500) == nil)
        // A new second or a new status is a change.
        #expect(state.ping(user("1"), status: .available, at: t0 + 1000) != nil)
        #expect(state.ping(user("1"), status: .busy, at: t0 + 1000) != nil)
    }

    @Test func availableTurnsAwayThenIsRemoved() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("7"), status: .available, at: t0)
        #expect(state.sweep(at: t0 + 9_999).isEmpty)
        #expect(
            state.sweep(at: t0 + 10_000) == [.upsert(PresenceEntry(user: user("7"), status: .away, time: t0 / 1000))])
        // Turning away is published once; the time stays the last ping's.
        #expect(state.sweep(at: t0 + 20_000).isEmpty)
        #expect(state.nextDeadline == t0 + 30_000)
        #expect(state.sweep(at: t0 + 29_999).isEmpty)
        #expect(state.sweep(at: t0 + 30_000) == [.remove(user("7"))])
        #expect(state.records.isEmpty)
        #expect(state.nextDeadline == nil)
    }

    @Test func busyTurnsAwayToo() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("b"), status: .busy, at: t0)
        #expect(
            state.sweep(at: t0 + 10_000) == [.upsert(PresenceEntry(user: user("b"), status: .away, time: t0 / 1000))])
    }

    @Test func aPingBringsAnAwayUserBack() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("1"), status: .busy, at: t0)
        _ = state.sweep(at: t0 + 15_000)
        let back = state.ping(user("1"), status: .busy, at: t0 + 15_000)
        #expect(back == .upsert(PresenceEntry(user: user("1"), status: .busy, time: t0 / 1000 + 15)))
        // The lifetimes restart from the new ping.
        #expect(state.nextDeadline == t0 + 25_000)
        #expect(state.sweep(at: t0 + 24_999).isEmpty)
    }

    @Test func aSweepThatJumpsPastBothLifetimesRemovesAtOnce() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("1"), status: .available, at: t0)
        _ = state.ping(user("2"), status: .available, at: t0 + 25_000)
        let changes = state.sweep(at: t0 + 35_000)
        #expect(
            Set(changes) == [
                .remove(user("1")), .upsert(PresenceEntry(user: user("2"), status: .away, time: t0 / 1000 + 25)),
            ])
    }

    @Test func clearRemovesEveryone() {
        var state = PresenceState(settings: settings)
        _ = state.ping(user("1"), status: .available, at: t0)
        _ = state.ping(user("x"), status: .busy, at: t0)
        #expect(Set(state.clear()) == [.remove(user("1")), .remove(user("x"))])
        #expect(state.entries.isEmpty)
    }

    @Test func loadedRecordsTurnAwayOrExpireAtTheFirstSweep() {
        let records: [PresenceUserID: PresenceState.Record] = [
            user("fresh"): .init(status: .busy, lastPing: t0),
            user("away"): .init(status: .available, lastPing: t0 - 15_000),
            user("gone"): .init(status: .available, lastPing: t0 - 30_000),
        ]
        var state = PresenceState(settings: settings, records: records)
        #expect(state.nextDeadline == t0 - 30_000 + 10_000)
        #expect(
            Set(state.sweep(at: t0))
                == [
                    .remove(user("gone")),
                    .upsert(PresenceEntry(user: user("away"), status: .away, time: t0 / 1000 - 15)),
                ])
        #expect(
            Set(state.entries) == [
                PresenceEntry(user: user("fresh"), status: .busy, time: t0 / 1000),
                PresenceEntry(user: user("away"), status: .away, time: t0 / 1000 - 15),
            ])
    }

    @Test func fractionalLifetimesAreMilliseconds() throws {
        let short = try PresenceSettings(environment: ["STATUS_LIFETIME_ACTIVE": "0.25", "STATUS_LIFETIME_AWAY": "0.5"])
        var state = PresenceState(settings: short)
        _ = state.ping(user("1"), status: .available, at: 0)
        #expect(state.nextDeadline == 250)
        _ = state.sweep(at: 250)
        #expect(state.nextDeadline == 750)
    }
}
