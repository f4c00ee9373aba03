import Fleet
import Testing
import Wire

@Suite struct ProcessCountersTests {
    @Test func openConnectionsGoUpAndDownAndNeverBelowZero() throws {
        let counters = ProcessCounters()
        let steps = try #require(EdgeCounter.openConnections(of: .steps))
        counters.adjust(steps, by: 1)
        counters.adjust(steps, by: 1)
        counters.adjust(steps, by: -1)
        #expect(counters.value(of: steps) == 1)
        counters.adjust(steps, by: -5)
        #expect(counters.value(of: steps) == 0)
        counters.adjust(steps, by: 2)
        // Carried by the heartbeat like any other edge counter, and read back as a state with its product.
        let beat = try HeartbeatMessage(decoding: counters.heartbeat(droppedOutbound: 0).encoded())
        #expect(beat.edge[steps] == 2)
        #expect(steps.isState && steps.connectionsProduct == "steps")
        #expect(EdgeCounter.openConnections(of: .fleet) == nil)
        #expect(
            ProductCode.allCases.compactMap { EdgeCounter.openConnections(of: $0)?.connectionsProduct } == [
                "steps", "stats", "presence", "lobby",
            ])
    }
}
