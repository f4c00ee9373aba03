import JSON
import Presence
import Testing

@Suite struct PresenceModelTests {
    func user(_ id: String) -> PresenceUserID { PresenceUserID(id)! }

    @Test func idsFromStringsAndNumbersAreTheSameUser() {
        #expect(PresenceUserID(json: .number(7)) == PresenceUserID(json: .string("7")))
        #expect(PresenceUserID(json: .number(1.5))?.text == "1.5")
        #expect(PresenceUserID(json: .number(-3))?.text == "-3")
        #expect(PresenceUserID(json: .number(1e21))?.text == "1e+21")
        #expect(PresenceUserID(json: .string("")) == nil)
        #expect(PresenceUserID(json: .bool(true)) == nil)
        #expect(PresenceUserID(json: .null) == nil)
        #expect(PresenceUserID(json: .array([])) == nil)
        #expect(PresenceUserID(String(repeating: "a", count: 257)) == nil)
        #expect(PresenceUserID(String(repeating: "a", count: 256)) != nil)
    }

    @Test func numericIdsComeFirstInNumericOrderThenBytes() {
        let ids = ["b", "10", "9", "007", "-1", "A", "0", "100", "1.5", "é", "99999999999999999999"].map(user)
        #expect(
            ids.sorted().map(\.text) == [
                "0", "9", "10", "100", "99999999999999999999", "-1", "007", "1.5", "A", "b", "é",
            ])
    }

    @Test func clientStatuses() {
        #expect(PresenceStatus(clientValue: "available") == .available)
        #expect(PresenceStatus(clientValue: "busy") == .busy)
        #expect(PresenceStatus(clientValue: "away") == nil)
        #expect(PresenceStatus(clientValue: "Busy") == nil)
    }

    @Test func settingsFromTheEnvironment() throws {
        #expect(try PresenceSettings(environment: [:]) == PresenceSettings())
        let custom = try PresenceSettings(environment: [
            "ACCESS_KEY": "k", "ACCESS_KEY_SYSTEM": "s", "STATUS_UPDATE_INTERVAL": "1.5",
            "STATUS_LIFETIME_ACTIVE": "2", "STATUS_LIFETIME_AWAY": "4",
        ])
        #expect(
            custom
                == PresenceSettings(
                    accessKey: "k", systemKey: "s", updateInterval: .milliseconds(1500), lifetimeActive: .seconds(2),
                    lifetimeAway: .seconds(4)))
        for bad in ["0", "-1", "x", "", "nan", "inf"] {
            #expect(throws: PresenceSettingsError.self) {
                try PresenceSettings(environment: ["STATUS_LIFETIME_AWAY": bad])
            }
        }
    }

    @Test func theViewAggregatesPartitionsAndCounts() {
        var view = PresenceView()
        let a = PresenceEntry(user: user("2"), status: .busy, time: 5)
        let b = PresenceEntry(user: user("10"), status: .available, time: 6)
        let c = PresenceEntry(user: user("x"), status: .away, time: 1)
        view.apply([.upsert(a), .upsert(c)], partition: 0)
        view.apply([.upsert(b)], partition: 3)
        #expect(view.list() == [a, b, c])
        #expect(view.list(.busy) == [a])
        #expect(view.counts == PresenceCounts(available: 1, busy: 1, away: 1))
        // A user turning away moves between counts; a removal drops it.
        view.apply([.upsert(PresenceEntry(user: user("2"), status: .away, time: 5)), .remove(user("x"))], partition: 0)
        #expect(view.counts == PresenceCounts(available: 1, busy: 0, away: 1))
        // A snapshot replaces the partition wholesale.
        view.replace(partition: 3, with: [])
        #expect(view.list().map(\.user.text) == ["2"])
        #expect(view.counts == PresenceCounts(available: 0, busy: 0, away: 1))
        #expect(view.userCount == 1)
        // Removing an unknown user is harmless.
        view.apply([.remove(user("nobody"))], partition: 9)
        #expect(view.userCount == 1)
    }
}
