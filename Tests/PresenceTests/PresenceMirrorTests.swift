import Presence
import Testing

/// The gateway's mirror: events in sequence, a snapshot on any jump, held events replayed after it.
@Suite struct PresenceMirrorTests {
    let t0 = ContinuousClock.now

    func entry(_ user: String, _ status: PresenceStatus = .available, time: Int64 = 1) -> PresenceEntry {
        PresenceEntry(user: PresenceUserID(user)!, status: status, time: time)
    }

    func event(_ p: UInt16, _ sequence: UInt64, _ changes: [PresenceChange]?) -> PresenceMirror.Event {
        PresenceMirror.Event(partition: p, sequence: sequence, changes: changes)
    }

    /// A mirror of `count` partitions, each synced at sequence 100 with no entries.
    func synced(_ count: Int) -> PresenceMirror {
        var mirror = PresenceMirror()
        let due = mirror.due(partitionCount: count, at: t0)
        #expect(due == (0..<UInt16(count)).map { $0 })
        #expect(!mirror.isSynced)
        for p in due { mirror.snapshotArrived(p, sequence: 100, entries: []) }
        #expect(mirror.isSynced)
        return mirror
    }

    @Test func eventsInSequenceAreApplied() {
        var mirror = synced(2)
        #expect(
            mirror.received(
                [event(0, 101, [.upsert(entry("1"))]), event(1, 101, [.upsert(entry("2", .busy))])], at: t0
            ).isEmpty)
        #expect(mirror.received([event(0, 102, [.remove(PresenceUserID("1")!)])], at: t0).isEmpty)
        #expect(mirror.view.list() == [entry("2", .busy)])
        #expect(mirror.isSynced)
        #expect(mirror.changed)
    }

    @Test func aGapResyncsHoldsEventsAndReplaysTheNewerOnes() {
        var mirror = synced(1)
        // 101 was lost (PUB high-water mark): 102 starts a resync and is held.
        #expect(mirror.received([event(0, 102, [.upsert(entry("late"))])], at: t0) == [0])
        #expect(!mirror.isSynced)
        #expect(mirror.received([event(0, 103, [.upsert(entry("newer"))])], at: t0).isEmpty)
        // The snapshot was taken at 102: it holds 101's and 102's changes; only 103 is replayed.
        mirror.snapshotArrived(0, sequence: 102, entries: [entry("lost"), entry("late")])
        #expect(mirror.isSynced)
        #expect(mirror.view.list().map(\.user.text) == ["late", "lost", "newer"])
        #expect(mirror.received([event(0, 104, [.remove(PresenceUserID("lost")!)])], at: t0).isEmpty)
        #expect(mirror.view.list().map(\.user.text) == ["late", "newer"])
    }

    @Test func aRestartedWorkersJumpResyncs() {
        var mirror = synced(1)
        _ = mirror.received([event(0, 101, [.upsert(entry("1"))])], at: t0)
        // A new incarnation numbers from its open time, far above.
        #expect(mirror.received([event(0, 5_000_000_001, [.upsert(entry("2"))])], at: t0) == [0])
        mirror.snapshotArrived(0, sequence: 5_000_000_001, entries: [entry("1"), entry("2")])
        #expect(mirror.isSynced)
        #expect(mirror.view.userCount == 2)
    }

    @Test func oldEventsAreIgnoredAndUndecodableOnesResync() {
        var mirror = synced(1)
        #expect(mirror.received([event(0, 99, [.upsert(entry("old"))])], at: t0).isEmpty)
        #expect(mirror.view.userCount == 0)
        #expect(mirror.received([event(0, 101, nil)], at: t0) == [0])
    }

    @Test func aHeldGapAfterTheSnapshotAsksAgainAndFailuresRetry() {
        var mirror = synced(1)
        _ = mirror.received([event(0, 105, [])], at: t0)
        _ = mirror.received([event(0, 107, [])], at: t0)
        mirror.snapshotArrived(0, sequence: 105, entries: [])
        #expect(!mirror.isSynced)
        #expect(mirror.due(partitionCount: 1, at: t0) == [0])
        mirror.snapshotFailed(0)
        #expect(mirror.due(partitionCount: 1, at: t0) == [0])
        // An unanswered request is repeated after the retry interval only.
        #expect(mirror.due(partitionCount: 1, at: t0 + .seconds(1)).isEmpty)
        #expect(mirror.due(partitionCount: 1, at: t0 + .seconds(5)) == [0])
    }

    @Test func aSnapshotThatNobodyAskedForIsIgnored() {
        var mirror = synced(1)
        mirror.snapshotArrived(0, sequence: 1, entries: [entry("ghost")])
        #expect(mirror.view.userCount == 0)
    }
}
