import Foundation
import Logging
import Subprocess
import SystemPackage

/// Runs one fleet process and restarts it whenever it exits, with `RestartBackoff`, until cancelled; on
/// cancellation the child gets SIGTERM and, after a grace period, SIGKILL.
struct ChildProcess: Sendable {
    let id: String
    let executable: String
    let arguments: [String]
    let registry: ProcessRegistry
    let control: ControlService
    let logger: Logger
    let stopGrace: Duration

    func run() async {
        var backoff = RestartBackoff()
        let clock = ContinuousClock()
        var first = true
        while !Task.isCancelled {
            if !first { registry.restarting(id) }
            first = false
            let started = clock.now
            var options = PlatformOptions()
            options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: stopGrace)]
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit,
                    platformOptions: options, input: .none, output: .currentStandardOutput,
                    error: .currentStandardError
                ) { execution in
                    registry.launched(id, pid: execution.processIdentifier.value)
                    logger.info(
                        "process launched", metadata: ["id": "\(id)", "pid": "\(execution.processIdentifier.value)"])
                }
                let level: Logger.Level = Task.isCancelled ? .info : .warning
                logger.log(
                    level: level, "process exited", metadata: ["id": "\(id)", "status": "\(result.terminationStatus)"])
            } catch {
                logger.error("process could not run", metadata: ["id": "\(id)", "error": "\(error)"])
            }
            if registry.exited(id, final: Task.isCancelled) { control.broadcast() }
            if Task.isCancelled { break }
            let delay = backoff.delayAfterExit(uptime: clock.now - started)
            if delay > .zero {
                logger.info("restart delayed", metadata: ["id": "\(id)", "delay": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }
}
