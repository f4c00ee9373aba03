package import Wire

/// A process's side of its link to the supervisor as a value (docs/protocol.md §5): what it heard, when, and
/// what that calls for. `FleetMembership` feeds it the supervisor's messages and the heartbeat timer's ticks with
/// the time, and carries out the actions; the tests drive it directly.
package struct MembershipState: Sendable {
    /// What an event calls for, in order.
    package enum Action: Sendable, Equatable {
        /// Serve this map: a newer one, or (`again`) the last one after the process had fenced itself.
        case serve(PartitionMap, again: Bool)
        /// Send a heartbeat.
        case heartbeat
        /// Say hello again: the supervisor has been silent for three intervals (it may have restarted, or taken
        /// this process as gone).
        case hello
        /// Stop serving until the supervisor answers: silent longer than the lease, so it may already have given
        /// this worker's partitions to another one. `silence` is how long.
        case fence(silence: Duration)
        /// The supervisor that launched this process is gone: stop.
        case orphaned
    }

    private let heartbeatInterval: Duration
    private let lease: Duration?
    /// The newest map epoch adopted (stamped on everything the process sends).
    package var knownEpoch: UInt64 { lastMap?.epoch ?? 0 }
    private var lastHeard: ContinuousClock.Instant
    /// The newest map adopted.
    private var lastMap: PartitionMap?
    private var fenced = false

    /// A link that has just sent its hello at `now`; `lease` only for processes that fence themselves (workers).
    package init(heartbeatInterval: Duration, lease: Duration? = nil, now: ContinuousClock.Instant) {
        self.heartbeatInterval = heartbeatInterval
        self.lease = lease
        lastHeard = now
    }

    /// A message from the supervisor at `now`: a map (decoded), or nil for a bare heartbeat.
    package mutating func heard(_ map: PartitionMap?, now: ContinuousClock.Instant) -> [Action] {
        lastHeard = now
        var actions: [Action] = []
        if let map, map.epoch > knownEpoch {
            lastMap = map
            actions.append(.serve(map, again: false))
        }
        if fenced {
            fenced = false
            // A newer map already puts it back to work; else the last one does.
            if actions.isEmpty, let lastMap { actions.append(.serve(lastMap, again: true)) }
        }
        return actions
    }

    /// The heartbeat timer at `now`; `orphaned` when the process's parent (its supervisor) is gone.
    package mutating func tick(now: ContinuousClock.Instant, orphaned: Bool) -> [Action] {
        if orphaned { return [.orphaned] }
        var actions: [Action] = [.heartbeat]
        let silence = now - lastHeard
        if silence > heartbeatInterval * 3 { actions.append(.hello) }
        if let lease, silence > lease, !fenced {
            fenced = true
            actions.append(.fence(silence: silence))
        }
        return actions
    }
}
