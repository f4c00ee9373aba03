import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs one load: connects and upgrades every connection, starts them together, measures after the warm-up,
/// collects the counts and closes everything.
struct LoadRunner: Sendable {
    /// What to run.
    let configuration: LoadConfiguration

    /// Connections opened at once; more would only queue in the server's accept backlog.
    private static let connectBatch = 128

    /// Runs the load to its end; throws only when no connection could be made.
    func run() async throws -> LoadResult {
        try await withEventLoopGroup(threads: configuration.threads) { try await run(on: $0) }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> LoadResult {
        let run = UInt32.random(in: 1...UInt32.max)
        var channels: [(any Channel, StatisticsSlot)] = []
        var failures = 0
        var firstError: String?
        for batchStart in stride(from: 0, to: configuration.connections, by: Self.connectBatch) {
            let batch = (batchStart..<min(configuration.connections, batchStart + Self.connectBatch)).map { index in
                let slot = StatisticsSlot()
                return (connect(index: index, run: run, group: group, slot: slot), slot)
            }
            for (future, slot) in batch {
                do {
                    channels.append((try await future.get(), slot))
                } catch {
                    failures += 1
                    if firstError == nil { firstError = "\(error)" }
                }
            }
        }
        guard !channels.isEmpty else {
            throw LoadError(
                code: .noConnection,
                message: "no connection to \(configuration.url) could be made: \(firstError ?? "unknown error")")
        }

        let observed = CPUSnapshot.withDescendants(of: configuration.observedPIDs)
        let now = NIODeadline.now().uptimeNanoseconds
        let measureStart = now + UInt64(configuration.warmupSeconds * 1e9)
        let schedule = LoadSchedule(
            measureStart: measureStart, measureEnd: measureStart + UInt64(configuration.durationSeconds * 1e9),
            wallBaseMs: Self.wallClockMilliseconds(), monotonicBase: now)
        for (channel, _) in channels {
            channel.eventLoop.execute {
                try? channel.pipeline.syncOperations.handler(type: LoadConnectionHandler.self).start(schedule)
            }
        }

        try await Self.sleep(until: schedule.measureStart)
        let cpuStart = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)
        try await Self.sleep(until: schedule.measureEnd)
        let cpuEnd = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)

        var statistics = ConnectionStatistics()
        for (channel, slot) in channels {
            try? await channel.eventLoop.submit {
                try? channel.pipeline.syncOperations.handler(type: LoadConnectionHandler.self).finish()
            }.get()
            if let counted = slot.statistics {
                statistics.merge(counted)
            } else {
                statistics.disconnects += 1  // closed before it could start
            }
        }
        await Self.close(channels.map(\.0))
        return LoadResult(
            configuration: configuration, connected: channels.count, connectFailures: failures,
            firstConnectError: firstError, statistics: statistics, cpuStart: cpuStart, cpuEnd: cpuEnd)
    }

    /// Connects connection `index` and completes once its WebSocket upgrade did.
    private func connect(
        index: Int, run: UInt32, group: MultiThreadedEventLoopGroup, slot: StatisticsSlot
    ) -> EventLoopFuture<any Channel> {
        let url = configuration.url
        let window = configuration.window
        let users = configuration.users
        let eventLoop = group.next()
        return WebSocketClient.connect(
            url: url, on: eventLoop, timeoutSeconds: configuration.connectTimeoutSeconds, maxFrameSize: 1 << 16
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(
                LoadConnectionHandler(run: run, connection: UInt16(index), window: window, users: users, slot: slot))
        }
    }

    /// Sends every connection a close frame and waits (at most 2 s) for the connections to close.
    private static func close(_ channels: [any Channel]) async {
        for channel in channels {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: LoadConnectionHandler.self) {
                    handler.close()
                } else {
                    channel.close(promise: nil)
                }
            }
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    private static func sleep(until deadline: UInt64) async throws {
        let now = NIODeadline.now().uptimeNanoseconds
        if deadline > now { try await Task.sleep(for: .nanoseconds(Int64(deadline - now))) }
    }

    private static func wallClockMilliseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }
}
