import Supervisor
import Testing

@Suite struct RestartBackoffTests {
    @Test func firstQuickDeathRestartsAtOnceThenDoublesToTheCap() {
        var b = RestartBackoff(initial: .milliseconds(200), maximum: .seconds(1), stableAfter: .seconds(10))
        let delays = (0..<6).map { _ in b.delayAfterExit(uptime: .milliseconds(50)) }
        #expect(
            delays == [
                .zero, .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            ])
        #expect(b.quickDeaths == 6)
    }

    @Test func aLongRunResetsTheDelay() {
        var b = RestartBackoff()
        _ = b.delayAfterExit(uptime: .milliseconds(1))
        _ = b.delayAfterExit(uptime: .milliseconds(1))
        #expect(b.delayAfterExit(uptime: .seconds(60)) == .zero)
        #expect(b.quickDeaths == 0)
        #expect(b.delayAfterExit(uptime: .milliseconds(1)) == .zero)
    }
}
