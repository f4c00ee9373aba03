import ArgumentParser

/// `switchyard-bench`: the step tracker's throughput ceiling server and its WebSocket load client.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard-bench",
        abstract: "Benchmark tools for the step tracker (see scripts/bench/steps and docs/performance.md).",
        subcommands: [EchoCommand.self, LoadCommand.self])
}
