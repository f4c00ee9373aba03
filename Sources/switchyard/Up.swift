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
        try await runSupervisor(fleet: fleet, common: common, logger: common.startProcess("switchyard.supervisor"))
    }
}

/// `switchyard supervisor`: the same, for a supervisor started by an init system.
struct SupervisorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervisor", abstract: "Run the supervisor: launch, health-check and restart the fleet.")

    @OptionGroup var fleet: FleetOptions
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await runSupervisor(fleet: fleet, common: common, logger: common.startProcess("switchyard.supervisor"))
    }
}

func runSupervisor(fleet: FleetOptions, common: CommonOptions, logger: Logger) async throws {
    var spec = try fleet.spec()
    // The children log at the supervisor's level.
    spec.workerArguments += common.arguments
    spec.gatewayArguments += common.arguments
    let group = ServiceGroup(
        configuration: .init(
            services: try await buildSupervisorServices(spec, logger: logger),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
