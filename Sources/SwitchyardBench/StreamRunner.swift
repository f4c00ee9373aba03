import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs one stream: reads every user's total before (so a server that already knows them counts from there),
/// connects and upgrades every WebSocket, writes all updates as fast as the sockets take them, then polls REST
/// until every user shows its exact expected total, and closes everything.
struct StreamRunner: Sendable {
    /// What to run.
    let configuration: StreamConfiguration

    /// Connections opened at once; more would only queue in the server's accept backlog.
    private static let connectBatch = 128
    /// Seconds allowed for reading the totals before the run.
    private static let baselineTimeoutSeconds = 30.0

    /// Runs the stream to its end; throws when it cannot start or a connection breaks while writing.
    func run() async throws -> StreamResult {
        try await withEventLoopGroup(threads: configuration.threads) { try await run(on: $0) }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> StreamResult {
        let allUsers = Array(0..<configuration.users)

        // 1. Every user's total before the run, on the REST connections the poll after it uses too.
        var rest = try await connectREST(
            count: max(1, min(configuration.restConnections, configuration.users)), group: group)
        defer {
            for channel in rest { channel.close(promise: nil) }
        }
        let before = try await poll(
            allUsers, goal: .read, timeoutSeconds: Self.baselineTimeoutSeconds, channels: &rest, group: group)
        guard before.finishedNanos != nil else {
            throw StreamError(
                message: "could not read every user's total from \(configuration.rest) within "
                    + "\(Int(Self.baselineTimeoutSeconds)) s (\(before.firstUnexpectedReply ?? "no answer"))")
        }
        let expected = allUsers.map { (before.totals[$0] ?? 0) + configuration.expectedSteps(of: $0) }

        // 2. Connect. Every connection is needed: one missing would leave its users' totals short.
        let run = UInt32.random(in: 1...UInt32.max)
        var connections: [(channel: any Channel, slot: StreamStatisticsSlot, written: EventLoopFuture<UInt64>)] = []
        for batchStart in stride(from: 0, to: configuration.connections, by: Self.connectBatch) {
            let batch = (batchStart..<min(configuration.connections, batchStart + Self.connectBatch)).map { index in
                let slot = StreamStatisticsSlot()
                let eventLoop = group.next()
                let written = eventLoop.makePromise(of: UInt64.self)
                return (
                    connect(index: index, run: run, eventLoop: eventLoop, slot: slot, written: written), slot,
                    written.futureResult
                )
            }
            for (future, slot, written) in batch {
                do {
                    connections.append((try await future.get(), slot, written))
                } catch {
                    await Self.close(connections.map(\.channel))
                    throw StreamError(
                        message: "connection \(connections.count + 1) of \(configuration.connections) to "
                            + "\(configuration.url) failed: \(error)")
                }
            }
        }

        // 3. Write every update; the server's CPU is counted from here.
        let observed = CPUSnapshot.withDescendants(of: configuration.observedPIDs)
        let cpuStart = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)
        let startNanos = NIODeadline.now().uptimeNanoseconds
        let wallBaseMs = Self.wallClockMilliseconds()
        for (channel, _, _) in connections {
            channel.eventLoop.execute {
                try? channel.pipeline.syncOperations.handler(type: StreamConnectionHandler.self)
                    .start(wallBaseMs: wallBaseMs, monotonicBase: startNanos)
            }
        }
        let writes = try await Self.wait(
            connections.map(\.written), on: group.next(), seconds: configuration.sendTimeoutSeconds)
        var statistics = StreamConnectionStatistics()
        for connection in connections { statistics.merge(connection.slot.statistics) }
        guard let writes else {
            await Self.close(connections.map(\.channel))
            throw StreamError(
                message: "\(statistics.sent) of \(configuration.updates) updates handed to the sockets after "
                    + "\(Int(configuration.sendTimeoutSeconds)) s (--send-timeout): the server stopped reading")
        }
        var writtenNanos: UInt64 = 0
        for write in writes {
            switch write {
            case .success(let nanos): writtenNanos = max(writtenNanos, nanos)
            case .failure(let error):
                await Self.close(connections.map(\.channel))
                throw error
            }
        }
        let cpuWritten = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)

        // 4. Poll REST until every total is exact; the WebSockets stay open meanwhile (a close could race the
        // server's reading of what is still in its socket buffer).
        let after = try await poll(
            allUsers, goal: .reach(expected), timeoutSeconds: configuration.convergeTimeoutSeconds, channels: &rest,
            group: group)
        let cpuEnd = CPUSnapshot.take(
            observing: observed, nanos: after.finishedNanos ?? NIODeadline.now().uptimeNanoseconds)

        // 5. Close; what the connections counted after the poll (a server closing them) is in the result too.
        await Self.close(connections.map(\.channel))
        statistics = StreamConnectionStatistics()
        for connection in connections { statistics.merge(connection.slot.statistics) }
        let usersKnownBefore = before.totals.values.count { $0 != 0 }
        return StreamResult(
            configuration: configuration, statistics: statistics, usersKnownBefore: usersKnownBefore,
            startNanos: startNanos, writtenNanos: writtenNanos, poll: after, expected: expected, cpuStart: cpuStart,
            cpuWritten: cpuWritten, cpuEnd: cpuEnd)
    }

    /// Polls `users` over the REST connections in `channels` (user `u` on connection `u % channels.count`) until
    /// `goal` holds or `timeoutSeconds` pass. A connection the server closes meanwhile is opened again (replaced in
    /// `channels`) and its users still to read are polled on it.
    private func poll(
        _ users: [Int], goal: StepsPollHandler.Goal, timeoutSeconds: Double, channels: inout [any Channel],
        group: MultiThreadedEventLoopGroup
    ) async throws -> StepsPollOutcome {
        let deadline = NIODeadline.now().uptimeNanoseconds + UInt64(timeoutSeconds * 1e9)
        let count = channels.count
        var shares = (0..<count).map { index in users.filter { $0 % count == index } }
        var outcomes: [StepsPollOutcome?] = Array(repeating: nil, count: count)
        var active = Array(0..<count)
        while !active.isEmpty {
            var futures: [EventLoopFuture<StepsPollOutcome>] = []
            for index in active {
                // Closed while idle (a keep-alive timeout between two polls): open it again first.
                if !channels[index].isActive { channels[index] = try await connectREST(group: group) }
                let channel = channels[index]
                let share = shares[index]
                let promise = channel.eventLoop.makePromise(of: StepsPollOutcome.self)
                futures.append(promise.futureResult)
                channel.eventLoop.execute {
                    do {
                        try channel.pipeline.syncOperations.handler(type: StepsPollHandler.self)
                            .poll(users: share, goal: goal, promise: promise)
                    } catch {
                        // Closed in between: the handler is gone; poll the whole share on a new connection.
                        var outcome = StepsPollOutcome()
                        outcome.interrupted = share
                        promise.succeed(outcome)
                    }
                }
            }
            let now = NIODeadline.now().uptimeNanoseconds
            let left = deadline > now ? Double(deadline - now) / 1e9 : 0
            let timedOut = try await Self.wait(futures, on: group.next(), seconds: left) == nil
            if timedOut {
                // Each connection completes its promise now with what it saw.
                for index in active {
                    let channel = channels[index]
                    channel.eventLoop.execute {
                        try? channel.pipeline.syncOperations.handler(type: StepsPollHandler.self).stop()
                    }
                }
            }
            var interrupted: [Int] = []
            for (index, future) in zip(active, futures) {
                let outcome = try await future.get()
                outcomes[index] = outcomes[index].map { $0.continued(with: outcome) } ?? outcome
                if !outcome.interrupted.isEmpty {
                    shares[index] = outcome.interrupted
                    interrupted.append(index)
                }
            }
            guard !timedOut, !interrupted.isEmpty else { break }
            for index in interrupted {
                try? await channels[index].close()
                channels[index] = try await connectREST(group: group)
            }
            active = interrupted
        }
        var merged = StepsPollOutcome(finishedNanos: 0)
        for outcome in outcomes { if let outcome { merged.merge(outcome) } }
        return merged
    }

    /// `count` REST connections, opened before the stream (a gateway shedding load refuses new connections).
    private func connectREST(count: Int, group: MultiThreadedEventLoopGroup) async throws -> [any Channel] {
        var channels: [any Channel] = []
        do {
            for _ in 0..<count { channels.append(try await connectREST(group: group)) }
        } catch {
            for channel in channels { try? await channel.close() }
            throw StreamError(message: "REST connection to \(configuration.rest) failed: \(error)")
        }
        return channels
    }

    /// One keep-alive HTTP/1.1 connection to the REST endpoint, with a ``StepsPollHandler`` at its end.
    private func connectREST(group: MultiThreadedEventLoopGroup) async throws -> any Channel {
        let rest = configuration.rest
        let depth = configuration.restDepth
        let pauseMs = configuration.pollIntervalMs
        return try await ClientBootstrap(group: group.next())
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(Int64(configuration.connectTimeoutSeconds * 1e9)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        StepsPollHandler(hostHeader: rest.hostHeader, depth: depth, pauseMs: pauseMs))
                }
            }
            .connect(host: rest.host, port: rest.port).get()
    }

    /// Connects WebSocket connection `index` and completes once its upgrade did.
    private func connect(
        index: Int, run: UInt32, eventLoop: any EventLoop, slot: StreamStatisticsSlot,
        written: EventLoopPromise<UInt64>
    ) -> EventLoopFuture<any Channel> {
        let url = configuration.url
        let firstUpdate = configuration.firstUpdate(of: index)
        let count = configuration.updates(of: index)
        let users = configuration.users
        let steps = configuration.stepsPerUpdate
        let connected = WebSocketClient.connect(
            url: url, on: eventLoop, timeoutSeconds: configuration.connectTimeoutSeconds, maxFrameSize: 1 << 16
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(
                StreamConnectionHandler(
                    run: run, connection: UInt16(index), firstUpdate: firstUpdate, count: count, users: users,
                    steps: steps, slot: slot, allWritten: written))
        }
        // A connection that never upgraded has no handler to complete `written`; fail it here (a second
        // completion by the handler cannot happen: it is only added on upgrade).
        connected.whenFailure { error in written.fail(error) }
        return connected
    }

    /// The results of `futures` once all completed, or nil when `seconds` pass first. Futures cannot be cancelled,
    /// so the deadline is a scheduled task racing them; whichever completes `decided` first wins (NIO ignores a
    /// promise's second completion).
    private static func wait<Value: Sendable>(
        _ futures: [EventLoopFuture<Value>], on eventLoop: any EventLoop, seconds: Double
    ) async throws -> [Result<Value, any Error>]? {
        let decided = eventLoop.makePromise(of: [Result<Value, any Error>]?.self)
        let timeout = eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { decided.succeed(nil) }
        EventLoopFuture.whenAllComplete(futures, on: eventLoop).whenComplete { result in
            timeout.cancel()
            decided.succeed(try? result.get())
        }
        return try await decided.futureResult.get()
    }

    /// Sends every connection a close frame and waits (at most 2 s) for the connections to close.
    private static func close(_ channels: [any Channel]) async {
        for channel in channels {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: StreamConnectionHandler.self) {
                    handler.close()
                } else {
                    channel.close(promise: nil)
                }
            }
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    private static func wallClockMilliseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }
}
