import ArgumentParser

/// `switchyard-bench`: the ceiling servers of the step tracker and learning stats, and the WebSocket load client.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard-bench",
        abstract: "Benchmark tools (see scripts/bench/steps, scripts/bench/stats and docs/performance.md).",
        subcommands: [
            EchoCommand.self, LoadCommand.self, LobbyLoadCommand.self, PresenceLoadCommand.self,
            StatsCeilingCommand.self, StreamCommand.self, FleetRoundTripCommand.self, ZMQEchoCommand.self,
            ZMQRoundTripCommand.self,
        ])
}
