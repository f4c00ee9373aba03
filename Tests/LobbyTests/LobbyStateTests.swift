import Lobby
import TestSupport
import Testing

/// The owner's state machine: ordering by after_id, ids never reused, failures and limits.
@Suite struct LobbyStateTests {
    let bond = LobbyTable(id: 1, name: "table - James Bond", participants: 7)
    let mission = LobbyTable(id: 2, name: "table - Mission Impossible", participants: 4)

    @Test func initialStateIsTheContractsTwoTables() {
        #expect(LobbyState.initial.tables == [bond, mission])
        #expect(LobbyState.initial.nextID == 3)
        #expect(LobbyState.initial.limits == .default)
    }

    @Test func afterIDMinusOneInsertsFirst() throws {
        var state = LobbyState.initial
        let event = try state.add(afterID: -1, name: "first", participants: 0).get()
        let table = LobbyTable(id: 3, name: "first", participants: 0)
        #expect(event == .tableAdded(afterID: -1, table: table))
        #expect(state.tables == [table, bond, mission])
        #expect(state.nextID == 4)
    }

    @Test func aKnownAfterIDInsertsRightAfterIt() throws {
        var state = LobbyState.initial
        #expect(
            try state.add(afterID: 1, name: "a", participants: 9).get()
                == .tableAdded(
                    afterID: 1, table: LobbyTable(id: 3, name: "a", participants: 9)))
        #expect(state.tables.map(\.id) == [1, 3, 2])
        _ = try state.add(afterID: 2, name: "b", participants: 1).get()
        #expect(state.tables.map(\.id) == [1, 3, 2, 4])
        _ = try state.add(afterID: 3, name: "c", participants: 1).get()
        #expect(state.tables.map(\.id) == [1, 3, 5, 2, 4])
    }

    @Test func anUnknownAfterIDFailsAndChangesNothing() {
        var state = LobbyState.initial
        #expect(state.add(afterID: 99, name: "x", participants: 1) == .failure(.additionFailed(afterID: 99)))
        #expect(state.add(afterID: -2, name: "x", participants: 1) == .failure(.additionFailed(afterID: -2)))
        #expect(state.add(afterID: 0, name: "x", participants: 1) == .failure(.additionFailed(afterID: 0)))
        #expect(state == LobbyState.initial)
    }

    @Test func idsAreNeverReusedAfterRemoval() throws {
        var state = LobbyState.initial
        _ = try state.add(afterID: 2, name: "three", participants: 3).get()
        #expect(try state.remove(id: 3).get() == .tableRemoved(id: 3))
        #expect(try state.remove(id: 2).get() == .tableRemoved(id: 2))
        let event = try state.add(afterID: 1, name: "again", participants: 1).get()
        #expect(event == .tableAdded(afterID: 1, table: LobbyTable(id: 4, name: "again", participants: 1)))
        // Removing every table does not reset the counter either.
        _ = try state.remove(id: 1).get()
        _ = try state.remove(id: 4).get()
        #expect(state.tables.isEmpty)
        #expect(
            try state.add(afterID: -1, name: "alone", participants: 0).get()
                == .tableAdded(
                    afterID: -1, table: LobbyTable(id: 5, name: "alone", participants: 0)))
    }

    @Test func updateReplacesNameAndParticipantsInPlace() throws {
        var state = LobbyState.initial
        let updated = LobbyTable(id: 1, name: "renamed", participants: 0)
        #expect(try state.update(id: 1, name: "renamed", participants: 0).get() == .tableUpdated(table: updated))
        #expect(state.tables == [updated, mission])
        // An update that changes nothing is still an event.
        #expect(try state.update(id: 2, name: mission.name, participants: 4).get() == .tableUpdated(table: mission))
    }

    @Test func unknownIDsFailUpdateAndRemoval() throws {
        var state = LobbyState.initial
        #expect(state.update(id: 7, name: "x", participants: 1) == .failure(.updateFailed(id: 7)))
        #expect(state.remove(id: 7) == .failure(.removalFailed(id: 7)))
        _ = try state.remove(id: 1).get()
        #expect(state.remove(id: 1) == .failure(.removalFailed(id: 1)))
        #expect(state.update(id: 1, name: "x", participants: 1) == .failure(.updateFailed(id: 1)))
        #expect(state.tables == [mission])
    }

    @Test func namesAndParticipantsAreCheckedAgainstTheLimits() {
        var state = LobbyState.initial
        let long = String(repeating: "é", count: 128) + "x"  // 257 bytes
        #expect(
            state.add(afterID: -1, name: "", participants: 1) == .failure(.invalid(reason: "name must not be empty")))
        #expect(
            state.add(afterID: -1, name: long, participants: 1)
                == .failure(.invalid(reason: "name is longer than 256 bytes")))
        #expect(
            state.update(id: 1, name: "x", participants: -1) == .failure(.invalid(reason: "participants must be >= 0")))
        #expect(
            state.update(id: 1, name: "x", participants: 1_000_000_001)
                == .failure(.invalid(reason: "participants must be <= 1000000000")))
        // Validation comes before the id check: an invalid update of an unknown table is invalid.
        #expect(state.update(id: 99, name: "", participants: 1) == .failure(.invalid(reason: "name must not be empty")))
        #expect(state == LobbyState.initial)
        // The bounds themselves are allowed.
        let name256 = String(repeating: "é", count: 128)
        #expect((try? state.add(afterID: -1, name: name256, participants: 1_000_000_000).get()) != nil)
        #expect((try? state.update(id: 1, name: "x", participants: 0).get()) != nil)
    }

    @Test func addingBeyondMaxTablesFailsWithAdditionFailed() throws {
        var limits = LobbyLimits()
        limits.maxTables = 3
        var state = try #require(LobbyState(tables: LobbyState.initial.tables, nextID: 3, limits: limits))
        _ = try state.add(afterID: -1, name: "third", participants: 0).get()
        #expect(state.add(afterID: 1, name: "fourth", participants: 0) == .failure(.additionFailed(afterID: 1)))
        #expect(state.nextID == 4)
        _ = try state.remove(id: 3).get()
        #expect((try? state.add(afterID: 1, name: "fourth", participants: 0).get()) != nil)
    }

    @Test func loadingFromStorageRefusesInconsistentStates() throws {
        #expect(LobbyState(tables: [bond, mission], nextID: 3) == LobbyState.initial)
        #expect(LobbyState(tables: [], nextID: 1) != nil)
        #expect(LobbyState(tables: [bond, bond], nextID: 3) == nil)
        #expect(LobbyState(tables: [bond, mission], nextID: 2) == nil)
        #expect(LobbyState(tables: [], nextID: 0) == nil)
        let loaded = try #require(LobbyState(tables: [mission], nextID: 10))
        var state = loaded
        #expect(
            try state.add(afterID: 2, name: "x", participants: 1).get()
                == .tableAdded(
                    afterID: 2, table: LobbyTable(id: 10, name: "x", participants: 1)))
    }

    @Test func replayingTheEventsGivesTheState() {
        var generator = SplitMix64(seed: 42)
        var state = LobbyState.initial
        var replayed = LobbyState.initial.tables
        var failures = 0
        for step in 0..<2_000 {
            let ids = state.tables.map(\.id)
            let known = ids.randomElement(using: &generator) ?? -1
            // One time in five, an id that does not exist (removed, or never assigned).
            let id = Int.random(in: 0..<5, using: &generator) == 0 ? state.nextID + 5 : known
            let result: Result<LobbyEvent, LobbyFailure>
            switch Int.random(in: 0..<3, using: &generator) {
            case 0 where state.tables.count < 40:
                let afterID = Bool.random(using: &generator) ? -1 : id
                result = state.add(afterID: afterID, name: "t\(step)", participants: Int64(step))
            case 1:
                result = state.update(id: id, name: "u\(step)", participants: 1)
            default:
                result = state.remove(id: id)
            }
            switch result {
            case .success(let event): #expect(event.apply(to: &replayed))
            case .failure: failures += 1
            }
            #expect(replayed == state.tables)
        }
        #expect(failures > 0)
        #expect(Set(state.tables.map(\.id)).count == state.tables.count)
    }

    @Test func eventsThatDoNotFitAreRefusedAndChangeNothing() {
        var tables = LobbyState.initial.tables
        #expect(
            !LobbyEvent.tableAdded(afterID: 9, table: LobbyTable(id: 5, name: "x", participants: 1)).apply(to: &tables))
        #expect(!LobbyEvent.tableAdded(afterID: -1, table: bond).apply(to: &tables))
        #expect(!LobbyEvent.tableUpdated(table: LobbyTable(id: 9, name: "x", participants: 1)).apply(to: &tables))
        #expect(!LobbyEvent.tableRemoved(id: 9).apply(to: &tables))
        #expect(tables == LobbyState.initial.tables)
    }
}
