import Gateway
import Testing

@Suite struct GatewayProductTests {
    @Test func parsesCommaSeparatedLists() {
        #expect(GatewayProduct.list("steps,stats") == [.steps, .stats])
        #expect(GatewayProduct.list("stats") == [.stats])
        #expect(GatewayProduct.list(" stats , steps") == [.steps, .stats])
        #expect(GatewayProduct.list("") == nil)
        #expect(GatewayProduct.list("stats,") == nil)
        #expect(GatewayProduct.list("stats,lobby") == [.stats, .lobby])
        #expect(GatewayProduct.list("stats,chess") == nil)
    }
}
