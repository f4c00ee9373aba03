import ArgumentParser

/// The release this source tree is (docs/operations.md); `--version` prints it with the build's commit.
let switchyardVersion = "0.9.0"

/// The one executable: every fleet role is a subcommand.
@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Switchyard: four real-time products served by one fleet of gateways and workers.",
        version: "switchyard \(switchyardVersion) (commit \(buildCommit))",
        subcommands: [
            Up.self, SupervisorCommand.self, GatewayCommand.self, WorkerCommand.self, LobbyUserCommand.self,
            FleetCommand.self, KeysCommand.self, ConfigCommand.self,
        ])

    /// Parses the command line with the settings of the environment and the configuration file beneath it
    /// (`Settings`), then runs the command.
    static func main() async {
        do {
            await main(try await Settings.layered(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exit(withError: error)
        }
    }
}
