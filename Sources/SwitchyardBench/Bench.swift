import ArgumentParser

/// Benchmark tools (placeholder).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "switchyard-bench")
}
