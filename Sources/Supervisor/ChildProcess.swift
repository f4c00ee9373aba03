import Foundation
import Logging
import Subprocess
import Synchronization
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
            // Read at each start: a roll changes it between two runs.
            let executable = registry.executable(of: id) ?? self.executable
            var how = "could not start"
            var lastError: String?
            do {
                // The child's stderr goes through a pipe that a thread of ours drains until the child closes it:
                // passed on as it comes, with the tail kept so that /health can say why a process keeps dying. A
                // thread, not a task: while the fleet stops, this task is cancelled but the child still logs its
                // own shutdown, and a pipe nobody read would fail those writes (or kill it with SIGPIPE).
                let pump = try StandardErrorPump()
                let result: ExecutionResult<Void, FileDescriptorOutput, FileDescriptorOutput>
                do {
                    result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit,
                        platformOptions: options, input: .none, output: .currentStandardOutput,
                        error: .fileDescriptor(pump.writeEnd, closeAfterSpawningProcess: true)
                    ) { execution in
                        registry.launched(id, pid: execution.processIdentifier.value, executable: executable)
                        logger.info(
                            "process launched",
                            metadata: [
                                "id": "\(id)", "pid": "\(execution.processIdentifier.value)",
                                "executable": "\(executable)",
                            ])
                    }
                } catch {
                    pump.abandon()
                    throw error
                }
                how = "\(result.terminationStatus)"
                lastError = await pump.lastLine(waitingAtMost: .seconds(2))
                let level: Logger.Level = Task.isCancelled ? .info : .warning
                logger.log(level: level, "process exited", metadata: ["id": "\(id)", "status": "\(how)"])
            } catch {
                lastError = "\(error)"
                logger.error("process could not run", metadata: ["id": "\(id)", "error": "\(error)"])
            }
            if Task.isCancelled {
                if registry.exited(id, final: true) { control.broadcast() }
                break
            }
            let delay = backoff.delayAfterExit(uptime: clock.now - started)
            // How it ended first, then that it did: whoever sees the exit (a roll) sees why.
            registry.ended(id, how: how, lastError: lastError, quickExits: backoff.quickDeaths)
            if registry.exited(id, final: false) { control.broadcast() }
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

/// A pipe for a child's standard error and the thread that drains it into ours, keeping its tail.
final class StandardErrorPump: Sendable {
    /// The end the child writes to (closed here once the child has it).
    let writeEnd: FileDescriptor
    private let tail = Mutex(StandardErrorTail())
    /// Fired once the child's standard error has ended.
    private let finished = OneShotSignal()

    /// Opens the pipe and starts draining it. Subprocess closes every descriptor above 2 in the children it starts,
    /// so no other child holds this write end open.
    init() throws {
        let (read, write) = try FileDescriptor.pipe()
        writeEnd = write
        let readEnd = read.rawValue
        let thread = Thread { [self] in
            // Named from inside: on Linux only the running thread's own name reaches the kernel (`top -H`).
            Thread.current.name = "stderr-pump"
            self.drain(readEnd)
        }
        thread.start()
    }

    /// Closes the write end when the child never started (so the thread sees the end at once).
    func abandon() { try? writeEnd.close() }

    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            let chunk = buffer[0..<n]
            FileHandle.standardError.write(Data(chunk))
            tail.withLock { tail in chunk.withUnsafeBytes { tail.append($0) } }
        }
        close(fd)
        finished.fire()
    }

    /// The child's last line once its stderr has ended (it exited), or as far as it got after `limit`.
    func lastLine(waitingAtMost limit: Duration) async -> String? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.finished.wait() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        return tail.withLock { $0.lastLine }
    }
}
