import Lobby
import TestSupport
import Testing

/// The gateway's mirror: events in sequence, a snapshot on any jump, held events replayed after it, and when
/// subscribers need a whole `table_list` again.
@Suite struct LobbyMirrorTests {
    let t0 = ContinuousClock.now
    let initial = LobbyState.initial.tables

    func table(_ id: Int64, _ name: String = "t", _ participants: Int64 = 1) -> LobbyTable {
        LobbyTable(id: id, name: name, participants: participants)
    }

    func added(_ sequence: UInt64, _ id: Int64, after afterID: Int64 = -1) -> LobbyMirror.Event {
        LobbyMirror.Event(sequence: sequence, change: .tableAdded(afterID: afterID, table: table(id)))
    }

    func removed(_ sequence: UInt64, _ id: Int64) -> LobbyMirror.Event {
        LobbyMirror.Event(sequence: sequence, change: .tableRemoved(id: id))
    }

    /// A mirror synced at sequence 100 with the initial tables.
    func synced() -> LobbyMirror {
        var mirror = LobbyMirror()
        #expect(mirror.due(at: t0) == true)
        #expect(!mirror.isSynced)
        #expect(mirror.snapshotArrived(sequence: 100, tables: initial, at: t0) == .sendTableList)
        #expect(mirror.isSynced)
        #expect(mirror.sequence == 100)
        #expect(mirror.due(at: t0 + .seconds(60)) == false)
        return mirror
    }

    @Test func startsEmptyAndTheFirstSnapshotSendsTheList() {
        var mirror = LobbyMirror()
        #expect(mirror.tables.isEmpty)
        #expect(mirror.sequence == nil)
        #expect(!mirror.hasList)
        // Events before any snapshot are held and ask for one.
        #expect(mirror.received([added(101, 3)], at: t0) == LobbyMirror.Delivery(needsSnapshot: true))
        #expect(mirror.due(at: t0) == false)
        // Even an empty lobby is a list subscribers must receive.
        #expect(mirror.snapshotArrived(sequence: 100, tables: [], at: t0) == .sendTableList)
        #expect(mirror.hasList)
        #expect(mirror.tables == [table(3)])
        #expect(mirror.sequence == 101)
    }

    @Test func eventsInSequenceAreAppliedAndForwarded() {
        var mirror = synced()
        let delivery = mirror.received([added(101, 3, after: 1), removed(102, 2)], at: t0)
        #expect(delivery.forward == [.tableAdded(afterID: 1, table: table(3)), .tableRemoved(id: 2)])
        #expect(!delivery.needsSnapshot)
        #expect(mirror.tables.map(\.id) == [1, 3])
        #expect(mirror.sequence == 102)
    }

    @Test func duplicatesAndOldEventsAreIgnored() {
        var mirror = synced()
        _ = mirror.received([added(101, 3)], at: t0)
        #expect(mirror.received([added(101, 3), removed(100, 1), removed(50, 2)], at: t0) == LobbyMirror.Delivery())
        #expect(mirror.tables.map(\.id) == [3, 1, 2])
    }

    @Test func aGapHoldsEventsAndASnapshotEqualToTheSubscribersListForwardsTheNewerOnes() {
        var mirror = synced()
        // 101 (add 3) and 102 (remove 3) were lost: net no change, the subscribers' list is still right.
        let delivery = mirror.received([removed(103, 2), added(104, 5)], at: t0)
        #expect(delivery == LobbyMirror.Delivery(needsSnapshot: true))
        #expect(!mirror.isSynced)
        // Still a list to answer new subscribers with: the one every subscriber holds.
        #expect(mirror.hasList)
        #expect(mirror.tables == initial)
        // Held while resyncing, even in-sequence ones.
        #expect(mirror.received([removed(105, 1)], at: t0) == LobbyMirror.Delivery())
        #expect(
            mirror.snapshotArrived(sequence: 102, tables: initial, at: t0)
                == .forward([.tableRemoved(id: 2), .tableAdded(afterID: -1, table: table(5)), .tableRemoved(id: 1)]))
        #expect(mirror.tables == [table(5)])
        #expect(mirror.sequence == 105)
    }

    @Test func aGapWithMissedChangesSendsAFreshTableList() {
        var mirror = synced()
        #expect(mirror.received([added(102, 4)], at: t0).needsSnapshot)
        // The snapshot already holds 101's and 102's changes: only the newer held events are replayed.
        let snapshot = [table(3), table(4)] + initial
        #expect(mirror.snapshotArrived(sequence: 102, tables: snapshot, at: t0) == .sendTableList)
        #expect(mirror.tables == snapshot)
        #expect(mirror.sequence == 102)
        #expect(mirror.received([removed(103, 3)], at: t0).forward == [.tableRemoved(id: 3)])
    }

    @Test func aRestartedOwnersJumpResyncs() {
        var mirror = synced()
        // A new owner numbers from its open time, far above; far below is a new owner too.
        #expect(mirror.received([added(5_000_000_001, 3)], at: t0).needsSnapshot)
        #expect(mirror.snapshotArrived(sequence: 5_000_000_001, tables: [table(3)] + initial, at: t0) == .sendTableList)
        #expect(mirror.received([removed(7, 3)], at: t0).needsSnapshot)
    }

    @Test func anUndecodableOrUnfittingEventResyncs() {
        var mirror = synced()
        let garbled = LobbyMirror.Event(sequence: 101, change: nil)
        let delivery = mirror.received([added(101 - 1, 9), garbled, removed(102, 1)], at: t0)
        #expect(delivery == LobbyMirror.Delivery(needsSnapshot: true))
        #expect(mirror.tables == initial)
        var other = synced()
        // In sequence but naming a table the mirror does not have: out of step.
        let unfitting = other.received([removed(101, 1), removed(102, 9), added(103, 3)], at: t0)
        #expect(unfitting == LobbyMirror.Delivery(forward: [.tableRemoved(id: 1)], needsSnapshot: true))
        #expect(other.tables == [table(2, "table - Mission Impossible", 4)])
        #expect(other.snapshotArrived(sequence: 103, tables: [table(3)], at: t0) == .sendTableList)
        #expect(other.tables == [table(3)])
    }

    @Test func aSnapshotOlderThanAGapAsksAgainAndKeepsTheOldList() {
        var mirror = synced()
        #expect(mirror.received([added(103, 3)], at: t0).needsSnapshot)
        // Taken at 101: 102 is still missing.
        #expect(mirror.snapshotArrived(sequence: 101, tables: initial, at: t0) == .needsSnapshot)
        #expect(mirror.tables == initial)
        #expect(!mirror.isSynced)
        #expect(mirror.snapshotArrived(sequence: 103, tables: [table(3)] + initial, at: t0) == .sendTableList)
        #expect(mirror.isSynced)
    }

    @Test func unansweredSnapshotsAreAskedForAgain() {
        var mirror = LobbyMirror(retry: .seconds(5))
        #expect(mirror.due(at: t0) == true)
        #expect(mirror.due(at: t0 + .seconds(4)) == false)
        #expect(mirror.due(at: t0 + .seconds(5)) == true)
        #expect(mirror.due(at: t0 + .seconds(6)) == false)
        mirror.snapshotFailed()
        #expect(mirror.due(at: t0 + .seconds(6)) == true)
    }

    @Test func anUnwantedSnapshotChangesNothing() {
        var mirror = synced()
        #expect(mirror.snapshotArrived(sequence: 500, tables: [], at: t0) == .forward([]))
        #expect(mirror.tables == initial)
        #expect(mirror.sequence == 100)
        mirror.snapshotFailed()
        #expect(mirror.isSynced)
    }

    @Test func theMirrorFollowsTheStateThroughGaps() {
        var generator = SplitMix64(seed: 7)
        var state = LobbyState.initial
        var mirror = LobbyMirror()
        var subscriber: [LobbyTable] = []
        var sequence: UInt64 = 1000
        var pending: [LobbyMirror.Event] = []
        _ = mirror.due(at: t0)
        #expect(mirror.snapshotArrived(sequence: sequence, tables: state.tables, at: t0) == .sendTableList)
        subscriber = mirror.tables
        for step in 0..<500 {
            let id = state.tables.randomElement(using: &generator)?.id ?? -1
            let result =
                Bool.random(using: &generator) || state.tables.isEmpty
                ? state.add(afterID: id, name: "t\(step)", participants: 1) : state.remove(id: id)
            guard case .success(let event) = result else { continue }
            sequence += 1
            // One event in eight is lost on the way.
            if Int.random(in: 0..<8, using: &generator) != 0 {
                pending.append(LobbyMirror.Event(sequence: sequence, change: event))
            }
            guard Int.random(in: 0..<3, using: &generator) == 0 else { continue }
            let delivery = mirror.received(pending, at: t0)
            pending = []
            for forwarded in delivery.forward { #expect(forwarded.apply(to: &subscriber)) }
            if delivery.needsSnapshot {
                switch mirror.snapshotArrived(sequence: sequence, tables: state.tables, at: t0) {
                case .sendTableList: subscriber = mirror.tables
                case .forward(let events): for forwarded in events { #expect(forwarded.apply(to: &subscriber)) }
                case .needsSnapshot: Issue.record("a current snapshot closes every gap")
                }
            }
            #expect(subscriber == mirror.tables)
            // Behind only when the batch's last events were lost: the next event will show the gap.
            if mirror.sequence == sequence { #expect(mirror.tables == state.tables) }
        }
    }
}
