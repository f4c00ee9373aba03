import Testing
import Wire

@testable import Worker

/// The worker's admission rules, which keep each partition's commands in the order they were sent.
@Suite struct CommandAdmissionTests {
    func command(epoch: UInt64, product: ProductCode = .steps) -> Envelope {
        Envelope(kind: .command, product: product, partition: 5, epoch: epoch, correlation: 1, origin: "g1")
    }

    @Test func pingsGoUnansweredUntilTheFirstMapIsAdopted() {
        let ping = Envelope(kind: .ping, epoch: 3, origin: "g1")
        #expect(CommandAdmission.decide(ping, mapEpoch: 0, ownedSince: nil) == .silent)
        #expect(CommandAdmission.decide(ping, mapEpoch: 3, ownedSince: nil) == .pong)
    }

    @Test func ownershipSinceAnEpochNoNewerThanTheCommandsIsRequired() {
        #expect(CommandAdmission.decide(command(epoch: 4), mapEpoch: 4, ownedSince: nil) == .refuse(.notOwner))
        #expect(CommandAdmission.decide(command(epoch: 4), mapEpoch: 6, ownedSince: 5) == .refuse(.notOwner))
        #expect(CommandAdmission.decide(command(epoch: 5), mapEpoch: 6, ownedSince: 5) == .accept)
        // Routed by a newer map than the worker's: its sender saw this worker as owner.
        #expect(CommandAdmission.decide(command(epoch: 9), mapEpoch: 6, ownedSince: 5) == .accept)
        // But not by a map further ahead than any spreading change could be: no supervisor sent that one.
        #expect(CommandAdmission.decide(command(epoch: 6 + 64), mapEpoch: 6, ownedSince: 5) == .accept)
        #expect(CommandAdmission.decide(command(epoch: 6 + 65), mapEpoch: 6, ownedSince: 5) == .refuse(.notOwner))
        #expect(CommandAdmission.decide(command(epoch: 1 << 63), mapEpoch: 6, ownedSince: 5) == .refuse(.notOwner))
    }

    @Test func fileFetchesGoToTheFileServerWhateverTheOwnership() {
        let fetch = Envelope(kind: .fetch, partition: 5, epoch: 2, correlation: 1, origin: "w3")
        #expect(CommandAdmission.decide(fetch, mapEpoch: 6, ownedSince: nil) == .serveFile)
        #expect(CommandAdmission.decide(fetch, mapEpoch: 0, ownedSince: nil) == .serveFile)
        let chunk = Envelope(kind: .chunk, partition: 5, origin: "w3")
        #expect(CommandAdmission.decide(chunk, mapEpoch: 6, ownedSince: 5) == .drop)
    }

    @Test func otherProductsAreRefusedAndOtherKindsDropped() {
        #expect(
            CommandAdmission.decide(command(epoch: 5, product: .fleet), mapEpoch: 6, ownedSince: 5)
                == .refuse(.malformed))
        #expect(
            CommandAdmission.decide(command(epoch: 5, product: .lobby), mapEpoch: 6, ownedSince: 5) == .accept)
        #expect(CommandAdmission.decide(command(epoch: 5, product: .stats), mapEpoch: 6, ownedSince: 5) == .accept)
        #expect(CommandAdmission.decide(command(epoch: 5, product: .presence), mapEpoch: 6, ownedSince: 5) == .accept)
        #expect(CommandAdmission.decide(command(epoch: 5, product: .steps), mapEpoch: 6, ownedSince: 5) == .accept)
        let stray = Envelope(kind: .pong, epoch: 6, origin: "g1")
        #expect(CommandAdmission.decide(stray, mapEpoch: 6, ownedSince: 5) == .drop)
    }
}
