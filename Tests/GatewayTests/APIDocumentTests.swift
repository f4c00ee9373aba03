import Foundation
import GatewayLobby
import GatewayPresence
import GatewayStats
import GatewaySteps
import Testing

@Suite struct APIDocumentTests {
    /// Every served document is the checked-in one: scripts/generate-openapi.sh was run after the last edit.
    @Test(arguments: [
        ("docs/stats-openapi.yaml", StatsOpenAPIDocument.yaml),
        ("docs/steps-openapi.yaml", StepsOpenAPIDocument.yaml),
        ("docs/presence-openapi.yaml", PresenceOpenAPIDocument.yaml),
        ("docs/lobby-openapi.yaml", LobbyOpenAPIDocument.yaml),
    ])
    func embeddedDocumentMatchesDocs(file: String, embedded: String) throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(file)
        let checkedIn = try String(contentsOf: docs, encoding: .utf8)
        #expect(embedded == checkedIn, "run scripts/generate-openapi.sh")
        #expect(checkedIn.hasPrefix("openapi: 3."))
    }
}
