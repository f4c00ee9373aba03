import ArgumentParser

/// The one executable: every fleet role is a subcommand.
@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Switchyard: four real-time products served by one fleet of gateways and workers.",
        subcommands: [
            Up.self, SupervisorCommand.self, GatewayCommand.self, WorkerCommand.self, LobbyUserCommand.self,
            FleetCommand.self, KeysCommand.self,
        ])
}
