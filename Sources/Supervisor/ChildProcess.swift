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
            var how = "could not start"
            var lastError: String?
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit,
                    platformOptions: options, input: .none, output: .currentStandardOutput, error: .sequence
                ) { execution in
                    registry.launched(id, pid: execution.processIdentifier.value)
                    logger.info(
                        "process launched", metadata: ["id": "\(id)", "pid": "\(execution.processIdentifier.value)"])
                    // Passed on as it comes; the tail is kept so that /health can say why a process keeps dying.
                    var tail = StandardErrorTail()
                    for try await chunk in execution.standardError {
                        chunk.withUnsafeBytes { bytes in
                            FileHandle.standardError.write(Data(bytes))
                            tail.append(bytes)
                        }
                    }
                    return tail.lastLine
                }
                how = "\(result.terminationStatus)"
                lastError = result.closureResult
                let level: Logger.Level = Task.isCancelled ? .info : .warning
                logger.log(level: level, "process exited", metadata: ["id": "\(id)", "status": "\(how)"])
            } catch {
                lastError = "\(error)"
                logger.error("process could not run", metadata: ["id": "\(id)", "error": "\(error)"])
            }
            if registry.exited(id, final: Task.isCancelled) { control.broadcast() }
            if Task.isCancelled { break }
            let delay = backoff.delayAfterExit(uptime: clock.now - started)
            registry.ended(id, how: how, lastError: lastError, quickExits: backoff.quickDeaths)
            if delay > .zero {
                logger.info("restart delayed", metadata: ["id": "\(id)", "delay": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }
}

/// The end of what a child wrote to standard error: enough to find its last complete line.
struct StandardErrorTail {
    /// Bytes kept; a longer last line is cut from the front.
    static let limit = 4096
    private(set) var bytes: [UInt8] = []

    /// Adds what the child wrote next.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        if bytes.count > 2 * Self.limit { bytes.removeFirst(bytes.count - Self.limit) }
    }

    /// The last non-empty line, without its line break, or nil if there is none.
    var lastLine: String? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let last = lines.last(where: { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") } })
        else { return nil }
        return String(decoding: last.suffix(Self.limit), as: UTF8.self)
    }
}
