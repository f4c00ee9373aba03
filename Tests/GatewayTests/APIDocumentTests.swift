import Foundation
import Gateway
import Testing

@Suite struct StatsOpenAPIDocumentTests {
    /// The served document is the checked-in one: scripts/generate-openapi.sh was run after the last edit.
    @Test func embeddedDocumentMatchesDocs() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/stats-openapi.yaml")
        let checkedIn = try String(contentsOf: docs, encoding: .utf8)
        #expect(StatsOpenAPIDocument.yaml == checkedIn, "run scripts/generate-openapi.sh")
        #expect(checkedIn.hasPrefix("openapi: 3."))
    }
}
