import Fleet
import Foundation
import Logging
import Synchronization
import Wire

/// Changes to a running fleet: adds and removes workers, moves partitions, and stops a process that stopped
/// answering. Shared by the control loop (`FleetServices`) and the HTTP API (`FleetRoutes`).
final class FleetController: Sendable {
    let spec: FleetSpec
    let registry: ProcessRegistry
    /// The fleet's keys; nil with insecure links.
    let keyring: FleetKeyring?
    private let logger: Logger
    private let state = Mutex(State())
    private let saving = Mutex(())

    private struct State {
        /// Set once the control socket is bound: children need its endpoint.
        var control: ControlService?
        var endpoint: String?
        /// The stop signal of every worker process this supervisor runs, by id.
        var workers: [String: OneShotSignal] = [:]
        var stopping: Set<String> = []
        var shuttingDown = false
        /// The roll in progress, or the last one (its outcome stays in /health).
        var roll: FleetRoll?
        /// The executable of the last roll that finished: workers added later start from it.
        var rolledExecutable: String?
    }

    /// A worker process to run: handed by `launchWorker` to `runWorkers`, which owns it.
    private struct Launch: Sendable {
        let id: String
        let child: ChildProcess
        let stop: OneShotSignal
    }

    private let launches: AsyncStream<Launch>
    private let launcher: AsyncStream<Launch>.Continuation

    init(spec: FleetSpec, registry: ProcessRegistry, keyring: FleetKeyring?, logger: Logger) {
        self.spec = spec
        self.registry = registry
        self.keyring = keyring
        self.logger = logger
        (launches, launcher) = AsyncStream.makeStream(of: Launch.self)
    }

    /// Starts serving changes; `endpoint` is the control socket's resolved endpoint.
    func started(control: ControlService, endpoint: String) {
        state.withLock {
            $0.control = control
            $0.endpoint = endpoint
        }
        // Written at once, not only at the first change: the homes of a multi-host fleet's partitions must not
        // depend on the fleet file's order after a restart.
        save()
    }

    /// Launches the worker process `id` (already in the registry).
    func launchWorker(_ id: String) {
        let ready = state.withLock { s in
            s.shuttingDown || s.workers[id] != nil ? nil : s.control.flatMap { c in s.endpoint.map { (c, $0) } }
        }
        guard let (control, endpoint) = ready else { return }
        // Outside the lock: making a key file may send a new map, which takes the lock.
        let arguments: [String]
        do { arguments = try workerArguments(id, endpoint) } catch {
            logger.error("worker cannot be launched", metadata: ["id": "\(id)", "error": "\(error)"])
            return
        }
        let executable = state.withLock { $0.rolledExecutable } ?? spec.executable
        let child = ChildProcess(
            id: id, executable: executable, arguments: arguments, registry: registry, control: control,
            logger: logger, stopGrace: .seconds(10))
        let stop = OneShotSignal()
        let launch = state.withLock { s -> Bool in
            guard !s.shuttingDown, s.workers[id] == nil else { return false }
            s.workers[id] = stop
            return true
        }
        if launch { launcher.yield(Launch(id: id, child: child, stop: stop)) }
    }

    /// Runs every worker process launched, each as a child task of this call, until `stopAllWorkers`: the
    /// supervisor's worker service. A worker stopped for its removal is forgotten once its process has exited.
    func runWorkers() async {
        await withDiscardingTaskGroup { group in
            for await launch in launches {
                group.addTask {
                    await withTaskGroup(of: Void.self) { worker in
                        // The process runs (and is restarted) until it is told to stop or the supervisor stops.
                        worker.addTask { await launch.child.run() }
                        worker.addTask { await launch.stop.wait() }
                        await worker.next()
                        worker.cancelAll()
                    }
                    let removed = self.state.withLock { s in
                        s.workers[launch.id] = nil
                        return s.stopping.contains(launch.id) && !s.shuttingDown
                    }
                    if removed { self.finishRemoval(launch.id) }
                }
            }
        }
    }

    /// The command line of worker `id`.
    func workerArguments(_ id: String, _ endpoint: String) throws(FleetKeyFile.Failure) -> [String] {
        let heartbeatMs = "\(Int(spec.heartbeatInterval / .milliseconds(1)))"
        return [
            "worker", "--id", id, "--supervisor", endpoint, "--data", spec.dataDirectory,
            "--heartbeat-ms", heartbeatMs, "--exit-when-orphaned",
            "--command-endpoint", "tcp://\(spec.workerBindHost):*", "--publish-endpoint",
            "tcp://\(spec.workerBindHost):*",
        ] + (try linkArguments(id)) + spec.workerArguments
    }

    /// How process `id` of this host secures its links: its key file (made if it has none, and then let in at once),
    /// or `--insecure-links`.
    func linkArguments(_ id: String) throws(FleetKeyFile.Failure) -> [String] {
        guard let keyring else { return ["--insecure-links"] }
        let file = try keyring.keyFile(of: id)
        refreshKeys()
        return ["--key-file", file]
    }

    /// Reads the key folder again if it changed: the map gets the new keys (a new epoch), and a running process of
    /// this host whose key was replaced is restarted (SIGTERM) so that it uses the new one.
    func refreshKeys() {
        guard let keyring else { return }
        let changed = keyring.refresh()
        guard !changed.isEmpty else { return }
        if registry.setKeys(keyring.keys) { broadcast() }
        for r in registry.records where changed.contains(r.id) && !r.external && r.state == .running {
            guard let pid = r.spawnedPid else { continue }
            logger.info("restarting a process for its new key", metadata: ["id": "\(r.id)", "pid": "\(pid)"])
            kill(pid, SIGTERM)
        }
    }

    /// Adds a worker; launches it if it runs on this host (else it is started on `host` and connects). Partitions
    /// move to it once it runs. Returns its id and whether it was launched here.
    func addWorker(id: String?, host: String?) throws(ProcessRegistry.ChangeError) -> (String, launched: Bool) {
        guard state.withLock({ $0.control != nil && !$0.shuttingDown }) else {
            throw ProcessRegistry.ChangeError(.notRunning, "the fleet is not running")
        }
        let chosen = try registry.addWorker(id: id, host: host)
        let launched = (host ?? spec.localHost) == spec.localHost
        logger.info("worker added", metadata: ["id": "\(chosen)", "host": "\(host ?? spec.localHost)"])
        save()
        if launched { launchWorker(chosen) }
        broadcast()
        return (chosen, launched)
    }

    /// Starts removing a worker: its partitions move away, then it is stopped.
    func removeWorker(id: String) throws(ProcessRegistry.ChangeError) {
        try registry.removeWorker(id: id)
        save()
        logger.info("worker leaving", metadata: ["id": "\(id)"])
    }

    /// Writes the registry's state to the data folder. Called before a map that moves a partition or changes a
    /// file's host is sent, so a restarted supervisor never sends an older one.
    private func save() {
        // One writer at a time (the API and the control loop both save), and the state taken inside the lock, so
        // a slower save never overwrites a newer state.
        saving.withLock { _ in
            do { try registry.savedState.save(folder: spec.dataDirectory) } catch {
                logger.critical("writing the fleet state failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One step of the control loop: grants, plans, stops of leaving workers, and kills of silent processes.
    func reconcile(now: ContinuousClock.Instant = .now) {
        let step = registry.reconcile(now: now)
        for (move, took) in step.finished {
            logger.info(
                "partition moved",
                metadata: [
                    "partition": "\(move.partition)", "from": "\(move.from)", "to": "\(move.to)",
                    "ms": "\(took / .milliseconds(1))",
                ])
        }
        if step.broadcast {
            save()
            broadcast()
        }
        for id in step.stop { stopLeaving(id) }
        killSilent(now: now)
        advanceRoll(now: now)
    }

    /// Starts rolling this host's processes (`only` one role, or both) onto `executable`, one at a time.
    func startRoll(executable: String, only role: ProcessRole?, gatewayPause: Duration)
        throws(ProcessRegistry.ChangeError) -> FleetRoll
    {
        let ids = registry.records.filter { !$0.external && !$0.leaving && (role == nil || $0.role == role) }
            .sorted { ($0.role == .worker ? 0 : 1) < ($1.role == .worker ? 0 : 1) }.map(\.id)
        let roll = FleetRoll(executable: executable, ids: ids, gatewayPause: gatewayPause)
        try state.withLock { s throws(ProcessRegistry.ChangeError) in
            guard s.control != nil, !s.shuttingDown else {
                throw ProcessRegistry.ChangeError(.notRunning, "the fleet is not running")
            }
            if let current = s.roll, !current.isFinished {
                throw ProcessRegistry.ChangeError(.exists, "a roll onto \(current.executable) is in progress")
            }
            s.roll = roll
        }
        logger.info("fleet roll started", metadata: ["executable": "\(executable)", "processes": "\(ids)"])
        return roll
    }

    /// The roll in progress, or the last one.
    var roll: FleetRoll? { state.withLock { $0.roll } }

    /// One step of the roll, if one runs: carries out what it calls for.
    private func advanceRoll(now: ContinuousClock.Instant) {
        let (actions, finished): ([FleetRoll.Action], FleetRoll?) = state.withLock { s in
            guard var roll = s.roll, !roll.isFinished else { return ([], nil) }
            let actions = roll.advance(registry.snapshot, now: now)
            s.roll = roll
            return (actions, roll.isFinished ? roll : nil)
        }
        for action in actions {
            switch action {
            case .drain(let id):
                logger.info("roll: moving the partitions of a worker away", metadata: ["id": "\(id)"])
                _ = registry.setDraining(id, true)
            case .undrain(let id):
                _ = registry.setDraining(id, false)
            case .restart(let id, let executable):
                registry.setExecutable(id, executable)
                let pid = registry.spawnedPid(of: id)
                logger.info(
                    "roll: restarting a process",
                    metadata: ["id": "\(id)", "executable": "\(executable ?? "the one it was launched with")"])
                // Stopped gracefully (a gateway drains its WebSockets with 1001); its ChildProcess starts it again.
                if let pid { kill(pid, SIGTERM) }
            }
        }
        guard let finished else { return }
        if let failure = finished.failure {
            logger.error("fleet roll stopped", metadata: ["reason": "\(failure)", "replaced": "\(finished.done)"])
        } else {
            if finished.pending.isEmpty { state.withLock { $0.rolledExecutable = finished.executable } }
            logger.info("fleet roll finished", metadata: ["executable": "\(finished.executable)"])
        }
    }

    private func broadcast() { control?.broadcast() }

    /// The control service, once bound.
    var control: ControlService? { state.withLock { $0.control } }

    private func stopLeaving(_ id: String) {
        let running: OneShotSignal?? = state.withLock { s in
            guard !s.stopping.contains(id) else { return nil }
            s.stopping.insert(id)
            return .some(s.workers[id])
        }
        guard let running else { return }
        logger.info("stopping removed worker", metadata: ["id": "\(id)"])
        if let stop = running {
            // Its task in `runWorkers` stops the process and then finishes the removal.
            stop.fire()
        } else {
            // A worker of another host is stopped there (its unit); here it is only forgotten.
            finishRemoval(id)
        }
    }

    /// Forgets a removed worker whose process has stopped, and tells the fleet.
    private func finishRemoval(_ id: String) {
        registry.forget(id)
        save()
        state.withLock { _ = $0.stopping.remove(id) }
        broadcast()
        logger.info("worker removed", metadata: ["id": "\(id)"])
    }

    /// A process that says it runs but has not been heard from for `spec.unresponsiveTimeout` is killed; its
    /// `ChildProcess` then restarts it. Killing first means its partitions never have two owners.
    private func killSilent(now: ContinuousClock.Instant) {
        for r in registry.records where r.state == .running && !r.external {
            // Only a pid the supervisor started itself is ever signalled (never one a message named).
            guard let last = r.lastHeartbeatAt, now - last > spec.unresponsiveTimeout, let pid = r.spawnedPid else {
                continue
            }
            guard registry.markUnresponsive(r.id, pid: pid) else { continue }
            logger.error(
                "process stopped answering; killing it",
                metadata: ["id": "\(r.id)", "pid": "\(pid)", "silentMs": "\((now - last) / .milliseconds(1))"])
            kill(pid, SIGKILL)
        }
    }

    /// Stops every worker (the service group calls it after the gateways have stopped); `runWorkers` returns once
    /// their processes have exited.
    func stopAllWorkers() {
        let stops = state.withLock { s in
            s.shuttingDown = true
            return Array(s.workers.values)
        }
        launcher.finish()
        for stop in stops { stop.fire() }
    }
}
