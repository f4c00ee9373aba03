import Testing

@testable import Worker

@Suite struct AdvertisedEndpointTests {
    @Test func replacesTheBindAddressWithTheAdvertisedHost() {
        #expect(WorkerServices.advertised("tcp://0.0.0.0:5601", host: "10.0.0.2") == "tcp://10.0.0.2:5601")
        #expect(WorkerServices.advertised("tcp://0.0.0.0:5601", host: "db-b.internal") == "tcp://db-b.internal:5601")
        #expect(WorkerServices.advertised("tcp://127.0.0.1:41234", host: nil) == "tcp://127.0.0.1:41234")
        #expect(WorkerServices.advertised("tcp://[::]:5601", host: "10.0.0.2") == "tcp://10.0.0.2:5601")
        #expect(WorkerServices.advertised("not an endpoint", host: "x") == "not an endpoint")
    }
}
