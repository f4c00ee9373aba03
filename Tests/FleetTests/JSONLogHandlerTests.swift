import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import Fleet

@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithTheProcessAndItsMetadata() throws {
        var handler = JSONLogHandler(label: "switchyard.worker.w1", role: "worker", process: "w1")
        handler[metadataKey: "partition"] = "7"
        let event = LogEvent(
            level: .warning, message: "a \"quoted\"\nmessage", metadata: ["nested": ["a": "1", "b": ["x", "y"]]],
            source: "Worker", file: #fileID, function: #function, line: #line)
        let line = handler.line(for: event, at: Date(timeIntervalSince1970: 1_796_568_735.4491))
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-06T14:52:15.449Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["role"] as? String == "worker")
        #expect(object["process"] as? String == "w1")
        #expect(object["label"] as? String == "switchyard.worker.w1")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage")
        #expect(object["source"] as? String == "Worker")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["partition"] as? String == "7")
        let nested = try #require(metadata["nested"] as? [String: Any])
        #expect(nested["a"] as? String == "1")
        #expect(nested["b"] as? [String] == ["x", "y"])
    }

    @Test func aLineWithoutMetadataHasNoMetadataField() throws {
        let handler = JSONLogHandler(label: "switchyard.supervisor", role: "supervisor", process: "supervisor")
        let event = LogEvent(
            level: .info, message: "ready", metadata: nil, source: "Supervisor", file: #fileID, function: #function,
            line: #line)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(handler.line(for: event, at: Date()))) as? [String: Any])
        #expect(object["metadata"] == nil)
    }
}

@Suite struct ListenerFailureTests {
    struct Failing: Service {
        let error: any Error
        func run() async throws { throw error }
    }

    @Test func aBindFailureNamesTheProcessThePortAndThePurpose() async {
        let listener = ListenerService(
            Failing(error: IOError(errnoCode: EADDRINUSE, reason: "bind(descriptor:ptr:bytes:)")),
            process: "gateway g1",
            purpose: "learning stats", host: "0.0.0.0", port: 3000)
        await #expect {
            try await listener.run()
        } throws: { error in
            "\(error)"
                == "gateway g1 cannot listen on 0.0.0.0:3000 for learning stats: Address already in use (errno 98)"
        }
    }

    @Test func cancellationPassesThroughUnchanged() async {
        let listener = ListenerService(
            Failing(error: CancellationError()), process: "supervisor", purpose: "/health", host: "127.0.0.1",
            port: 9100)
        await #expect(throws: CancellationError.self) { try await listener.run() }
    }
}
