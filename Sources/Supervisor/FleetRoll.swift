/// A roll of the fleet onto another executable (docs/operations.md, "Upgrading a running fleet"): every worker, then
/// every gateway, one at a time. A worker first hands its partitions to the others, then is restarted from the new
/// executable and takes its share again; a gateway is restarted (it drains its WebSockets with 1001 first). A
/// replacement that does not serve within `healthyWithin` stops the roll: it goes back to the executable it had,
/// and the processes not reached yet stay on theirs.
///
/// A value driven by the control loop: `advance` looks at the fleet directory at a time and says what to do next.
package struct FleetRoll: Sendable {
    /// Where the process being replaced is.
    package enum Step: Sendable, Equatable {
        /// Its partitions are moving to the other workers.
        case draining(since: ContinuousClock.Instant)
        /// Stopped, to come back from the new executable; `replacing` is the pid it had.
        case restarting(since: ContinuousClock.Instant, replacing: Int32?)
        /// Back and serving; its partitions are moving back to it.
        case returning
        /// A gateway back and serving, given `gatewayPause` before the next gateway goes: a load balancer with
        /// passive health checks (nginx's `fail_timeout`) takes it back meanwhile, so two gateways are never out
        /// of its rotation at once.
        case settling(since: ContinuousClock.Instant)
    }

    /// What the supervisor must do.
    package enum Action: Sendable, Equatable {
        /// Move worker `id`'s partitions to the others.
        case drain(String)
        /// Start `id` from `executable` (nil: the fleet's own) from now on, and stop its current incarnation so
        /// that it restarts from it.
        case restart(String, executable: String?)
        /// Give worker `id` its share of partitions again.
        case undrain(String)
    }

    /// The process being replaced now.
    package struct Current: Sendable, Equatable {
        /// Its id.
        package var id: String
        /// Where it is.
        package var step: Step
        /// The executable it had its own before the roll (nil: the fleet's), to go back to if it fails.
        package var previous: String?
    }

    /// How long a replacement may take to serve (and a worker's partitions to move away) before the roll stops.
    package static let healthyWithin: Duration = .seconds(30)

    /// The executable the fleet rolls onto.
    package let executable: String
    /// Processes not started yet, in order.
    package private(set) var pending: [String]
    /// The process being replaced.
    package private(set) var current: Current?
    /// Processes replaced.
    package private(set) var done: [String] = []
    /// Why the roll stopped early, if it did.
    package private(set) var failure: String?

    /// How long a replaced gateway serves before the next one goes.
    package let gatewayPause: Duration

    /// A roll of `ids` (workers first, then gateways: the order given) onto `executable`.
    package init(executable: String, ids: [String], gatewayPause: Duration = .zero) {
        self.executable = executable
        self.gatewayPause = gatewayPause
        pending = ids
    }

    /// Whether nothing is left to do (every process replaced, or the roll stopped).
    package var isFinished: Bool { failure != nil || (current == nil && pending.isEmpty) }

    /// What to do next, given the fleet as it is at `now`.
    package mutating func advance(_ fleet: FleetDirectory, now: ContinuousClock.Instant) -> [Action] {
        guard failure == nil else { return [] }
        guard let current else {
            guard !pending.isEmpty else { return [] }
            let id = pending.removeFirst()
            guard let record = fleet.record(id) else { return advance(fleet, now: now) }
            if record.role == .worker {
                self.current = Current(id: id, step: .draining(since: now), previous: record.executable)
                return [.drain(id)]
            }
            self.current = Current(
                id: id, step: .restarting(since: now, replacing: record.pid), previous: record.executable)
            return [.restart(id, executable: executable)]
        }
        guard let record = fleet.record(current.id) else {
            // Removed meanwhile: nothing to replace.
            self.current = nil
            return advance(fleet, now: now)
        }
        switch current.step {
        case .draining(let since):
            if record.partitions.isEmpty && !fleet.isMoving(record.id) {
                self.current?.step = .restarting(since: now, replacing: record.pid)
                return [.restart(record.id, executable: executable)]
            }
            if now - since > Self.healthyWithin {
                return fail(
                    "\(record.id) could not hand over its partitions within \(Self.healthyWithin)", record,
                    restart: false)
            }
            return []
        case .restarting(let since, let replacing):
            let serving = record.state == .running && record.ready && record.pid != replacing
            if serving && record.runningExecutable == executable {
                guard record.role == .worker else {
                    // The last process needs no pause: nothing goes after it.
                    guard !pending.isEmpty, gatewayPause > .zero else { return finishCurrent() }
                    self.current?.step = .settling(since: now)
                    return []
                }
                self.current?.step = .returning
                return [.undrain(record.id)]
            }
            let lastError = record.lastError.map { "; its last error: \($0)" } ?? ""
            let startedAndDied =
                record.runningExecutable == executable && record.pid != replacing
                && (record.state == .exited || record.state == .stopped)
            if startedAndDied {
                // It started from the new executable and exited before it served: no need to wait any longer.
                return fail(
                    "\(record.id) exited when started from \(executable) (\(record.lastExit ?? "exited"))\(lastError)",
                    record, restart: true)
            }
            if now - since > Self.healthyWithin {
                return fail(
                    "\(record.id) did not serve from \(executable) within \(Self.healthyWithin)\(lastError)", record,
                    restart: true)
            }
            return []
        case .returning:
            guard !fleet.rebalancePending && !fleet.isMoving(record.id) else { return [] }
            return finishCurrent()
        case .settling(let since):
            return now - since >= gatewayPause ? finishCurrent() : []
        }
    }

    private mutating func finishCurrent() -> [Action] {
        if let id = current?.id { done.append(id) }
        current = nil
        return []
    }

    /// Stops the roll: a process that was restarted goes back to the executable it had, and a worker takes its
    /// share again.
    private mutating func fail(_ reason: String, _ record: FleetDirectory.Record, restart: Bool) -> [Action] {
        let previous = current?.previous
        failure = reason
        current = nil
        return (restart ? [.restart(record.id, executable: previous)] : [])
            + (record.role == .worker ? [.undrain(record.id)] : [])
    }
}
