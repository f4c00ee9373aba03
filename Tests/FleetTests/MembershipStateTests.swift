import Fleet
import Testing
import Wire

/// A process's link to the supervisor, driven as a value: messages and timer ticks at given times in, actions out.
@Suite struct MembershipStateTests {
    let t0 = ContinuousClock.now
    let interval = Duration.milliseconds(250)

    func map(_ epoch: UInt64) -> PartitionMap {
        PartitionMap(
            epoch: epoch, partitionCount: 1,
            workers: [.init(id: "w1", commandEndpoint: "c", publishEndpoint: "p", partitions: [0])])
    }

    @Test func aNewerMapIsServedOnceAndAnOlderOneNotAtAll() {
        var link = MembershipState(heartbeatInterval: interval, now: t0)
        #expect(link.heard(map(3), now: t0) == [.serve(map(3), again: false)])
        #expect(link.knownEpoch == 3)
        #expect(link.heard(map(3), now: t0).isEmpty)
        #expect(link.heard(map(2), now: t0).isEmpty)
        #expect(link.heard(nil, now: t0).isEmpty)
        #expect(link.knownEpoch == 3)
    }

    @Test func eachTickHeartbeatsAndSilenceOfThreeIntervalsSaysHelloAgain() {
        var link = MembershipState(heartbeatInterval: interval, now: t0)
        #expect(link.tick(now: t0 + interval, orphaned: false) == [.heartbeat])
        #expect(link.tick(now: t0 + interval * 3, orphaned: false) == [.heartbeat])
        #expect(link.tick(now: t0 + interval * 3 + .milliseconds(1), orphaned: false) == [.heartbeat, .hello])
        // Any word from the supervisor restarts the count.
        _ = link.heard(nil, now: t0 + interval * 4)
        #expect(link.tick(now: t0 + interval * 5, orphaned: false) == [.heartbeat])
    }

    @Test func silencePastTheLeaseFencesOnceAndTheNextWordServesTheLastMapAgain() {
        var link = MembershipState(heartbeatInterval: interval, lease: .seconds(2), now: t0)
        _ = link.heard(map(5), now: t0)
        #expect(link.tick(now: t0 + .seconds(2), orphaned: false) == [.heartbeat, .hello])
        let silent = t0 + .milliseconds(2_100)
        #expect(link.tick(now: silent, orphaned: false) == [.heartbeat, .hello, .fence(silence: .milliseconds(2_100))])
        // Fenced once, however long the silence lasts.
        #expect(link.tick(now: t0 + .seconds(5), orphaned: false) == [.heartbeat, .hello])
        // A bare heartbeat back: serve the last map again; after that, nothing more.
        #expect(link.heard(nil, now: t0 + .seconds(6)) == [.serve(map(5), again: true)])
        #expect(link.heard(nil, now: t0 + .seconds(6)).isEmpty)
    }

    @Test func aNewerMapAfterAFenceIsServedAsNewNotTwice() {
        var link = MembershipState(heartbeatInterval: interval, lease: .seconds(1), now: t0)
        _ = link.heard(map(1), now: t0)
        _ = link.tick(now: t0 + .seconds(2), orphaned: false)
        #expect(link.heard(map(2), now: t0 + .seconds(3)) == [.serve(map(2), again: false)])
        #expect(link.tick(now: t0 + .seconds(3) + interval, orphaned: false) == [.heartbeat])
    }

    @Test func withoutALeaseSilenceNeverFences() {
        var link = MembershipState(heartbeatInterval: interval, now: t0)
        #expect(
            !link.tick(now: t0 + .seconds(60), orphaned: false).contains { if case .fence = $0 { true } else { false } }
        )
    }

    @Test func anOrphanStopsAndDoesNothingElse() {
        var link = MembershipState(heartbeatInterval: interval, lease: .seconds(1), now: t0)
        #expect(link.tick(now: t0 + .seconds(5), orphaned: true) == [.orphaned])
    }
}
