import Testing

@testable import Supervisor

@Suite struct FailingProcessTests {
    func registry() -> ProcessRegistry {
        ProcessRegistry(
            spec: FleetSpec(
                partitionCount: 4, workerIDs: ["w1"],
                gateways: [
                    .init(
                        id: "g1", listenHost: "127.0.0.1", stepsHTTPPort: 1, stepsWebSocketPort: 2,
                        statsHTTPPort: 3000, presencePort: 3456)
                ],
                dataDirectory: "/tmp/x", controlEndpoint: "inproc://x", healthHost: "127.0.0.1", healthPort: 0,
                executable: "/bin/false"))
    }

    @Test func aProcessThatKeepsExitingIsAWarningWithItsLastErrorUntilItServes() {
        let registry = registry()
        let error = "gateway g1 cannot listen on 0.0.0.0:3000 for learning stats: Address already in use (errno 98)"
        registry.ended("g1", how: "exited(1)", lastError: error, quickExits: HealthRoutes.failingAfter - 1)
        #expect(HealthRoutes.warnings(registry.records).isEmpty)
        registry.ended("g1", how: "exited(1)", lastError: error, quickExits: HealthRoutes.failingAfter)
        let warnings = HealthRoutes.warnings(registry.records)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("g1 has exited 3 times in a row soon after starting (exited(1))") == true)
        #expect(warnings.first?.hasSuffix(error) == true)
        let record = registry.records.first { $0.id == "g1" }
        #expect(record?.lastExit == "exited(1)" && record?.lastError == error && record?.quickExits == 3)
    }

    @Test func theTailKeepsTheLastCompleteLineWithinItsLimit() {
        var tail = StandardErrorTail()
        #expect(tail.lastLine == nil)
        append("first line\nsecond ", to: &tail)
        append("line\n\n  \n", to: &tail)
        #expect(tail.lastLine == "second line")
        append(String(repeating: "x", count: 3 * StandardErrorTail.limit) + "\n", to: &tail)
        // A line longer than the limit is kept by its end.
        #expect(tail.lastLine.map { $0.count <= StandardErrorTail.limit && $0.count > 1000 } == true)
        #expect(tail.lastLine?.allSatisfy { $0 == "x" } == true)
        #expect(tail.bytes.count <= 2 * StandardErrorTail.limit)
        append("Error: the end", to: &tail)
        #expect(tail.lastLine == "Error: the end")
    }

    private func append(_ text: String, to tail: inout StandardErrorTail) {
        Array(text.utf8).withUnsafeBytes { tail.append($0) }
    }
}
