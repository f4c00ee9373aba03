import Fleet
import Testing

@testable import Gateway
@testable import GatewayCore

@Suite struct OverloadStateTests {
    @Test func entersOnEitherMeasureAndLeavesOnlyAfterCalmProbes() {
        var state = OverloadState(maxLag: .milliseconds(200), maxQueuedBytes: 1000, hotProbes: 1, calmProbes: 2)
        var t = state.observe(lag: .milliseconds(10), queuedBytes: 0)
        #expect(t == nil && !state.overloaded)
        t = state.observe(lag: .milliseconds(250), queuedBytes: 0)
        #expect(t == .entered && state.overloaded)
        t = state.observe(lag: .milliseconds(300), queuedBytes: 0)
        #expect(t == nil)
        // Under the threshold but not under half of it: still shedding.
        t = state.observe(lag: .milliseconds(150), queuedBytes: 0)
        #expect(t == nil && state.overloaded)
        t = state.observe(lag: .milliseconds(10), queuedBytes: 0)
        #expect(t == nil && state.overloaded)
        // A relapse restarts the count.
        t = state.observe(lag: .milliseconds(150), queuedBytes: 0)
        t = state.observe(lag: .milliseconds(10), queuedBytes: 0)
        #expect(t == nil)
        t = state.observe(lag: .milliseconds(10), queuedBytes: 0)
        #expect(t == .left && !state.overloaded)
        // Bytes alone.
        t = state.observe(lag: .zero, queuedBytes: 1000)
        #expect(t == .entered)
        t = state.observe(lag: .zero, queuedBytes: 600)
        t = state.observe(lag: .zero, queuedBytes: 600)
        #expect(t == nil && state.overloaded)
        t = state.observe(lag: .zero, queuedBytes: 400)
        t = state.observe(lag: .zero, queuedBytes: 400)
        #expect(t == .left)
    }

    @Test func oneStallIsNotAnOverload() {
        var state = OverloadState(maxLag: .milliseconds(200), maxQueuedBytes: nil, hotProbes: 3)
        var t = state.observe(lag: .milliseconds(900), queuedBytes: 0)
        t = state.observe(lag: .milliseconds(900), queuedBytes: 0)
        t = state.observe(lag: .milliseconds(5), queuedBytes: 0)
        t = state.observe(lag: .milliseconds(900), queuedBytes: 0)
        #expect(t == nil && !state.overloaded)
        t = state.observe(lag: .milliseconds(900), queuedBytes: 0)
        t = state.observe(lag: .milliseconds(900), queuedBytes: 0)
        #expect(t == .entered)
    }

    @Test func anUnwatchedMeasureNeverTriggers() {
        var state = OverloadState(maxLag: nil, maxQueuedBytes: nil)
        let t = state.observe(lag: .seconds(60), queuedBytes: .max)
        #expect(t == nil && !state.overloaded)
    }

    @Test func socketIOSessionsAreSpared() {
        #expect(ShedRules.continuesSession("/socket.io/?EIO=4&transport=polling&sid=abc"))
        #expect(ShedRules.continuesSession("/socket.io/?sid=abc&EIO=4&transport=websocket"))
        #expect(!ShedRules.continuesSession("/socket.io/?EIO=4&transport=polling"))
        #expect(!ShedRules.continuesSession("/socket.io/?EIO=4&sid="))
        #expect(!ShedRules.continuesSession("/users/ping?sid=abc"))
    }
}

@Suite struct QueuedBytesAccountingTests {
    @Test func outboxesAddUpTheirUnwrittenBytesGatewayWide() {
        let policy = EdgePolicy(limits: EdgeLimits(), descriptors: 1024, counters: ProcessCounters())
        do {
            let a = BoundedOutbox<String>(
                maxMessages: 10, maxBytes: 100, size: \.utf8.count, overflow: "", accounting: policy, onOverflow: {},
                wake: {})
            let b = BoundedOutbox<String>(
                maxMessages: 10, maxBytes: 100, size: \.utf8.count, overflow: "", accounting: policy, onOverflow: {},
                wake: {})
            a.send("12345")
            a.send("123")
            b.send("1234567890")
            #expect(policy.queuedBytes == 18)
            a.written("12345")
            #expect(policy.queuedBytes == 13)
            // An overflow drops what the outbox held from the total.
            #expect(!b.send(String(repeating: "x", count: 95)))
            #expect(policy.queuedBytes == 3)
        }
        // Outboxes gone (their connections closed): nothing left counted.
        #expect(policy.queuedBytes == 0)
    }
}
