import Synchronization
import Testing
import Wire

@testable import Gateway
@testable import GatewayCore

/// Records what completions were called with.
final class Outcomes: Sendable {
    private let results = Mutex<[String: Result<[UInt8], FleetRequestError>]>([:])
    func completion(_ name: String) -> FleetClient.Completion {
        { result in self.results.withLock { $0[name] = result } }
    }
    subscript(_ name: String) -> Result<[UInt8], FleetRequestError>? { results.withLock { $0[name] } }
}

@Suite struct RoutingStateTests {
    typealias Routing = RoutingState<Int>
    let t0 = ContinuousClock.now
    let outcomes = Outcomes()

    func map(epoch: UInt64 = 1, reachable: Bool = true) -> PartitionMap {
        PartitionMap(
            epoch: epoch, partitionCount: 2,
            workers: [
                .init(
                    id: "w1", commandEndpoint: reachable ? "c1" : "", publishEndpoint: reachable ? "p1" : "",
                    partitions: [0, 1])
            ])
    }

    /// A key of partition `p` among 2.
    func key(_ p: UInt16, _ n: Int = 0) -> String {
        var i = n
        while true {
            let k = "user\(i)"
            if Partitioner.partition(of: k, count: 2) == p { return k }
            i += 1
        }
    }

    func request(_ name: String, key: String, idempotent: Bool = true, timeout: Duration = .seconds(5))
        -> Routing.Request
    {
        Routing.Request(
            product: .steps, key: key, body: Array(name.utf8), idempotent: idempotent,
            deadline: t0.advanced(by: timeout), completion: outcomes.completion(name))
    }

    /// Body of every command sent, in order, with its socket.
    func sent(_ actions: [Routing.Action]) -> [(Int, String, UInt64)] {
        actions.compactMap { action in
            guard case .send(let socket, let frames) = action, let m = try? WireMessage(frames: frames),
                m.envelope.kind == .command
            else { return nil }
            return (socket, String(decoding: m.body, as: UTF8.self), m.envelope.correlation)
        }
    }

    func perform(_ actions: [Routing.Action]) {
        for case .complete(let completion, let result) in actions { completion(result) }
    }

    func pong(from worker: String) -> WireMessage {
        WireMessage(Envelope(kind: .pong, origin: worker))
    }

    func reply(_ correlation: UInt64, _ status: ReplyStatus, body: [UInt8] = [1]) -> WireMessage {
        WireMessage(
            Envelope(kind: .reply, product: .steps, status: status, correlation: correlation, origin: "w1"), body: body)
    }

    /// A routing state with w1 on socket 7, ready.
    func ready() -> Routing {
        var r = Routing(origin: "g1", firstCorrelation: 100)
        _ = r.adopt(map(), sockets: ["w1": ("c1", "p1", 7)], now: t0)
        _ = r.received(pong(from: "w1"), now: t0)
        return r
    }

    @Test func requestsWaitForAMapAndAProvenLinkThenLeaveInOrder() {
        var r = Routing(origin: "g1", firstCorrelation: 100)
        #expect(r.submit(request("a", key: key(0)), now: t0).isEmpty)
        #expect(r.submit(request("b", key: key(1)), now: t0).isEmpty)
        let (adopted, closed) = r.adopt(map(), sockets: ["w1": ("c1", "p1", 7)], now: t0)
        #expect(sent(adopted).isEmpty && closed.isEmpty)
        #expect(!r.isReady)
        #expect(r.submit(request("c", key: key(0, 50)), now: t0).isEmpty)
        // The tick pings the unproven link.
        let pings = r.tick(now: t0)
        #expect(pings.count == 1)
        let flushed = sent(r.received(pong(from: "w1"), now: t0))
        #expect(r.isReady)
        #expect(Set(flushed.map(\.1)) == ["a", "b", "c"])
        #expect(flushed.filter { ["a", "c"].contains($0.1) }.map(\.1) == ["a", "c"])
        #expect(flushed.allSatisfy { $0.0 == 7 })
    }

    @Test func okCompletesAndLateRepliesAreIgnored() {
        var r = ready()
        let out = sent(r.submit(request("a", key: key(0)), now: t0))
        #expect(out.count == 1)
        perform(r.received(reply(out[0].2, .ok, body: [9]), now: t0))
        #expect(outcomes["a"] == .success([9]))
        #expect(r.received(reply(out[0].2, .ok), now: t0).isEmpty)
        #expect(r.pendingCount == 0)
    }

    @Test func refusalRequeuesInCorrelationOrderAfterABackoff() {
        var r = ready()
        let a = sent(r.submit(request("a", key: key(0)), now: t0))[0]
        let b = sent(r.submit(request("b", key: key(0, 50)), now: t0))[0]
        // b's refusal arrives first, then a's: they must still go out a, b.
        #expect(r.received(reply(b.2, .notOwner), now: t0).isEmpty)
        #expect(r.received(reply(a.2, .notOwner), now: t0).isEmpty)
        // A newer command for the paused partition waits behind them.
        #expect(sent(r.submit(request("c", key: key(0, 100)), now: t0)).isEmpty)
        #expect(sent(r.tick(now: t0.advanced(by: .milliseconds(5)))).isEmpty)
        let again = sent(r.tick(now: t0.advanced(by: .milliseconds(25))))
        #expect(again.map(\.1) == ["a", "b", "c"])
    }

    @Test func aReplacedLinkSendsIdempotentCommandsAgainAndFailsOthers() {
        var r = ready()
        let a = sent(r.submit(request("a", key: key(0)), now: t0))
        _ = sent(r.submit(request("once", key: key(0, 50), idempotent: false), now: t0))
        #expect(a.count == 1)
        let (actions, closed) = r.adopt(map(epoch: 2), sockets: ["w1": ("c1b", "p1b", 8)], now: t0)
        #expect(closed == [7])
        perform(actions)
        #expect(outcomes["once"] == .failure(FleetRequestError(.lost)))
        #expect(sent(actions).isEmpty)  // the new link is not proven yet
        let resent = sent(r.received(pong(from: "w1"), now: t0))
        #expect(resent.map(\.1) == ["a"] && resent[0].0 == 8 && resent[0].2 == a[0].2)
    }

    @Test func aWorkerThatGoesAwayParksItsPartitions() {
        var r = ready()
        _ = r.adopt(map(epoch: 2, reachable: false), sockets: [:], now: t0)
        #expect(!r.isReady)
        #expect(sent(r.submit(request("a", key: key(0)), now: t0)).isEmpty)
        _ = r.adopt(map(epoch: 3), sockets: ["w1": ("c2", "p2", 9)], now: t0)
        #expect(sent(r.received(pong(from: "w1"), now: t0)).map(\.1) == ["a"])
    }

    @Test func deadlinesFailRequestsWithTimeout() {
        var r = Routing(origin: "g1", firstCorrelation: 1)
        _ = r.submit(request("a", key: key(0), timeout: .milliseconds(50)), now: t0)
        var actions: [Routing.Action] = []
        for i in 1...10 { actions += r.tick(now: t0.advanced(by: .milliseconds(10 * i))) }
        perform(actions)
        #expect(outcomes["a"] == .failure(FleetRequestError(.timeout)))
        #expect(r.pendingCount == 0)
    }

    @Test func aSilentLinkIsDeclaredLostAndItsCommandsGoAgainAfterAPong() {
        var timing = Routing.Timing()
        timing.linkTimeout = .seconds(1)
        var r = Routing(origin: "g1", timing: timing, firstCorrelation: 1)
        _ = r.adopt(map(), sockets: ["w1": ("c1", "p1", 7)], now: t0)
        _ = r.received(pong(from: "w1"), now: t0)
        let a = sent(r.submit(request("a", key: key(0)), now: t0))
        #expect(a.count == 1)
        var later: [Routing.Action] = []
        for i in 1...200 { later += r.tick(now: t0.advanced(by: .milliseconds(10 * i))) }
        #expect(!r.isReady)
        #expect(sent(later).isEmpty)
        let again = sent(r.received(pong(from: "w1"), now: t0.advanced(by: .seconds(2))))
        #expect(again.map(\.1) == ["a"])
    }

    @Test func aBusyButAnsweringLinkIsNotDeclaredLost() {
        var timing = Routing.Timing()
        timing.linkTimeout = .seconds(1)
        var r = Routing(origin: "g1", timing: timing, firstCorrelation: 1)
        _ = r.adopt(map(), sockets: ["w1": ("c1", "p1", 7)], now: t0)
        _ = r.received(pong(from: "w1"), now: t0)
        _ = sent(r.submit(request("slow", key: key(0)), now: t0))
        var resent: [(Int, String, UInt64)] = []
        for i in 1...200 {
            let now = t0.advanced(by: .milliseconds(10 * i))
            resent += sent(r.tick(now: now))
            // Other replies and pongs keep arriving.
            if i % 20 == 0 { _ = r.received(pong(from: "w1"), now: now) }
        }
        #expect(resent.isEmpty)
        #expect(r.isReady)
    }

    @Test func failedRepliesRetryIdempotentCommandsOnly() {
        var r = ready()
        let a = sent(r.submit(request("a", key: key(0)), now: t0))[0]
        let b = sent(r.submit(request("b", key: key(1), idempotent: false), now: t0))[0]
        #expect(r.received(reply(a.2, .failed), now: t0).isEmpty)
        perform(r.received(reply(b.2, .failed), now: t0))
        #expect(outcomes["b"] == .failure(FleetRequestError(.failed)))
        #expect(sent(r.tick(now: t0.advanced(by: .milliseconds(150)))).map(\.1) == ["a"])
    }

    @Test func failAllCompletesEverything() {
        var r = Routing(origin: "g1", firstCorrelation: 1)
        _ = r.submit(request("a", key: key(0)), now: t0)
        perform(r.failAll(FleetRequestError(.shuttingDown)))
        #expect(outcomes["a"] == .failure(FleetRequestError(.shuttingDown)))
        #expect(r.pendingCount == 0)
    }
}
