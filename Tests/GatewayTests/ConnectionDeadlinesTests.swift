import Testing

@testable import Gateway
@testable import GatewayCore

@Suite struct ConnectionDeadlinesTests {
    static let s: Int64 = 1_000_000_000
    var limits: EdgeLimits {
        var l = EdgeLimits()
        l.headerTimeout = .seconds(30)
        l.bodyTimeout = .seconds(20)
        l.idleTimeout = .seconds(75)
        l.webSocketPingInterval = .seconds(30)
        l.webSocketPingTimeout = .seconds(10)
        return l
    }

    @Test func aNewConnectionOwesItsHeaderWithinTheHeaderTimeout() {
        let d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 100 * Self.s)
        #expect(d.next?.at == 130 * Self.s)
        #expect(d.next?.expiry == .header)
        #expect(d.expired(at: 129 * Self.s) == nil)
        #expect(d.expired(at: 130 * Self.s) == .header)
    }

    @Test func trickledHeaderBytesDoNotExtendTheHeaderDeadline() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 0)
        d.received(at: 5 * Self.s)
        d.received(at: 25 * Self.s)
        #expect(d.next?.at == 30 * Self.s)
        #expect(d.expired(at: 30 * Self.s) == .header)
    }

    @Test func aBodyMustKeepMakingProgress() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 0)
        d.received(at: 1 * Self.s)
        d.requestHead(at: 1 * Self.s)
        #expect(d.next?.at == 21 * Self.s)
        #expect(d.next?.expiry == .body)
        d.received(at: 15 * Self.s)
        #expect(d.expired(at: 21 * Self.s) == nil)
        #expect(d.expired(at: 35 * Self.s) == .body)
    }

    @Test func noClientDeadlineWhileTheGatewayAnswers() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 0)
        d.received(at: 0)
        d.requestHead(at: 0)
        d.requestEnd(at: 0)
        #expect(d.next == nil)
        #expect(d.expired(at: 1000 * Self.s) == nil)
        d.responseHead(at: 40 * Self.s)
        #expect(!d.canRespond)
        d.responseEnd(at: 41 * Self.s)
        // Between requests: the idle timeout, counted from the end of the response.
        #expect(d.next?.at == 116 * Self.s)
        #expect(d.next?.expiry == .idle)
        // The first byte of the next request starts its header deadline.
        d.received(at: 50 * Self.s)
        #expect(d.next?.at == 80 * Self.s)
        #expect(d.next?.expiry == .header)
        d.requestHead(at: 51 * Self.s)
        #expect(d.next?.expiry == .body)
    }

    @Test func theGuardAnswersOnlyWhereNoResponseWasWritten() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 0)
        #expect(d.canRespond)
        d.requestHead(at: 0)
        #expect(d.canRespond)
        // The application answered early (a 404 or a 413) while the body still arrives: nothing more to say.
        d.responseHead(at: 1)
        #expect(!d.canRespond)
        d.responseEnd(at: 2)
        #expect(!d.canRespond)
        #expect(d.next?.expiry == .body)
        d.requestEnd(at: 3)
        #expect(d.canRespond)
        #expect(d.next?.expiry == .idle)
    }

    @Test func anUpgradedConnectionIsPingedWhenSilentAndClosedWhenThePingGoesUnanswered() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: true, openedAt: 0)
        d.requestHead(at: 0)
        d.upgrade(at: 1 * Self.s)
        #expect(!d.canRespond)
        #expect(d.next?.at == 31 * Self.s)
        #expect(d.expired(at: 31 * Self.s) == .ping)
        d.pinged(at: 31 * Self.s)
        #expect(d.next?.at == 41 * Self.s)
        #expect(d.expired(at: 41 * Self.s) == .pingTimeout)
        // Any byte (the pong) answers the ping.
        d.received(at: 35 * Self.s)
        #expect(d.expired(at: 41 * Self.s) == nil)
        #expect(d.next?.at == 65 * Self.s)
        #expect(d.next?.expiry == .ping)
    }

    @Test func withoutLivenessAnUpgradedConnectionHasNoDeadline() {
        var d = ConnectionDeadlines(limits: limits, webSocketLiveness: false, openedAt: 0)
        d.requestHead(at: 0)
        d.upgrade(at: 0)
        #expect(d.next == nil)
    }

    @Test func durationsInNanoseconds() {
        #expect(Duration.seconds(75).nanoseconds == 75 * Self.s)
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
    }

    @Test func theConnectionLimitFollowsTheDescriptorLimitLessTheReserve() {
        var l = EdgeLimits()
        l.descriptorReserve = 128
        #expect(l.connectionLimit(descriptors: 512) == 384)
        #expect(l.connectionLimit(descriptors: 100) == 1)
        l.maxConnections = 50
        #expect(l.connectionLimit(descriptors: 512) == 50)
    }
}

@Suite struct MessageBucketTests {
    static let ms: Int64 = 1_000_000

    @Test func aBurstOfTheRateThenTheRate() throws {
        var bucket = try #require(MessageBucket(rate: 10, at: 0))
        for _ in 0..<10 {
            let r1 = bucket.take(at: 0)
            #expect(r1 == nil)
        }
        // The eleventh is due a tenth of a second later.
        let r2 = bucket.take(at: 0)
        #expect(r2 == .milliseconds(100))
        // A tenth of a second after that one's due time the next is free again.
        let r3 = bucket.take(at: 200 * Self.ms)
        #expect(r3 == nil)
        let r4 = bucket.take(at: 200 * Self.ms)
        #expect(r4 == .milliseconds(100))
    }

    @Test func savingsAreCappedAtOneSecond() throws {
        var bucket = try #require(MessageBucket(rate: 5, at: 0))
        // An hour idle saves no more than a second's worth.
        let later = 3_600_000 * Self.ms
        for _ in 0..<5 {
            let r5 = bucket.take(at: later)
            #expect(r5 == nil)
        }
        let r6 = bucket.take(at: later)
        #expect(r6 != nil)
    }

    @Test func zeroMeansNoLimit() {
        #expect(MessageBucket(rate: 0, at: 0) == nil)
    }
}
