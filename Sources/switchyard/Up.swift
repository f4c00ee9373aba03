import ArgumentParser
import Logging
import ServiceLifecycle
import Supervisor

/// `switchyard up`: the whole fleet on this machine with embedded defaults.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole fleet on this machine (supervisor, 1 gateway, 2 workers, 64 partitions, ./data).")

    @OptionGroup var fleet: FleetOptions
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await runSupervisor(fleet: fleet, logger: common.startProcess("switchyard.supervisor"))
    }
}

/// `switchyard supervisor`: the same, for a supervisor started by an init system.
struct SupervisorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervisor", abstract: "Run the supervisor: launch, health-check and restart the fleet.")

    @OptionGroup var fleet: FleetOptions
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await runSupervisor(fleet: fleet, logger: common.startProcess("switchyard.supervisor"))
    }
}

func runSupervisor(fleet: FleetOptions, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: try buildSupervisorServices(try fleet.spec(), logger: logger),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
