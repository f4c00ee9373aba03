import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Runs one presence load: connects every client (WebSocket upgrade, Engine.IO open, Socket.IO connect), lets them
/// idle and reads the gateway's memory, registers every client's user with one ping, then pings at the configured
/// rate, measures after the warm-up, waits for the last pings to show up, collects the counts and closes everything.
struct PresenceLoadRunner: Sendable {
    /// What to run.
    let configuration: PresenceLoadConfiguration

    /// Connections opened at once; more would only queue in the server's accept backlog.
    private static let connectBatch = 128
    /// Largest WebSocket frame (and reassembled message) accepted from the server: a list has one entry per user.
    private static let maxFrameSize = 1 << 26

    /// Runs the load to its end; throws only when no client could connect.
    func run() async throws -> PresenceLoadResult {
        try await withEventLoopGroup(threads: configuration.threads) { try await run(on: $0) }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> PresenceLoadResult {
        let shared = PresenceLoadShared(clients: configuration.clients)
        var memory = PresenceLoadResult.Memory()
        memory.before = gatewayMemory()

        // 1. Connect, in batches.
        let connectStarted = Self.now()
        var channels: [(any Channel, PresenceStatisticsSlot)] = []
        var failures = 0
        var firstError: String?
        for batchStart in stride(from: 0, to: configuration.clients, by: Self.connectBatch) {
            let batch = (batchStart..<min(configuration.clients, batchStart + Self.connectBatch)).map { index in
                let slot = PresenceStatisticsSlot()
                return (connect(index: index, group: group, shared: shared, slot: slot), slot)
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
        let connectSeconds = Self.seconds(since: connectStarted)
        guard !channels.isEmpty else {
            throw PresenceLoadError.noConnection(
                "no client could connect to \(configuration.url): \(firstError ?? "unknown error")")
        }

        // 2. Idle clients: the gateway's memory with every session open and no user listed yet.
        try await Task.sleep(for: .milliseconds(Int64(configuration.idleSeconds * 1000)))
        memory.idle = gatewayMemory()

        // 3. Register every client's user (one `available` ping each) and wait until each sees itself listed.
        let registerStarted = Self.now()
        forEach(channels) { $0.register() }
        let registerDeadline = registerStarted + UInt64(configuration.registerTimeoutSeconds * 1e9)
        while shared.registered.load(ordering: .relaxed) < channels.count, Self.now() < registerDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let registerSeconds = Self.seconds(since: registerStarted)
        memory.registered = gatewayMemory()

        // 4. The load.
        let observed = CPUSnapshot.withDescendants(of: configuration.observedPIDs)
        let loadStart = Self.now() + 200_000_000
        let measureStart = loadStart + UInt64(configuration.warmupSeconds * 1e9)
        let schedule = PresenceSchedule(
            loadStart: loadStart, measureStart: measureStart,
            measureEnd: measureStart + UInt64(configuration.durationSeconds * 1e9))
        forEach(channels) { $0.start(schedule) }
        try await Self.sleep(until: schedule.measureStart)
        let cpuStart = CPUSnapshot.take(observing: observed, nanos: Self.now())
        let machineStart = MachineCPU.take()
        // The gateway's memory every 250 ms over the measured window.
        var peakDuringLoad = gatewayMemory()?.residentKiB
        while Self.now() + 250_000_000 < schedule.measureEnd {
            try await Task.sleep(for: .milliseconds(250))
            if let sample = gatewayMemory()?.residentKiB { peakDuringLoad = max(peakDuringLoad ?? 0, sample) }
        }
        try await Self.sleep(until: schedule.measureEnd)
        let cpuEnd = CPUSnapshot.take(observing: observed, nanos: Self.now())
        let machineEnd = MachineCPU.take()
        memory.loadPeakResidentKiB = peakDuringLoad
        memory.afterLoad = gatewayMemory()

        // 5. Drain: pings sent before the end may still show up.
        let drainDeadline = schedule.measureEnd + UInt64(configuration.drainSeconds * 1e9)
        while shared.outstanding.load(ordering: .relaxed) > 0, Self.now() < drainDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let drainSeconds = Self.seconds(since: schedule.measureEnd)

        // 6. Collect and close.
        var statistics = PresenceStatistics()
        for (channel, slot) in channels {
            try? await channel.eventLoop.submit {
                try? channel.pipeline.syncOperations.handler(type: PresenceConnectionHandler.self).finish()
            }.get()
            if let counted = slot.statistics {
                statistics.merge(counted)
            } else {
                statistics.disconnects += 1  // closed before it could publish anything
            }
        }
        await Self.close(channels.map(\.0))
        try await Task.sleep(for: .seconds(3))
        memory.afterClose = gatewayMemory()

        return PresenceLoadResult(
            configuration: configuration, connected: channels.count, connectFailures: failures,
            firstConnectError: firstError, connectSeconds: connectSeconds, registerSeconds: registerSeconds,
            drainSeconds: drainSeconds, statistics: statistics, cpuStart: cpuStart, cpuEnd: cpuEnd,
            machineStart: machineStart,
            machineEnd: machineEnd, memory: memory)
    }

    /// Calls `body` with every client's handler, on its event loop, without waiting.
    private func forEach(
        _ channels: [(any Channel, PresenceStatisticsSlot)],
        _ body: @escaping @Sendable (PresenceConnectionHandler) -> Void
    ) {
        for (channel, _) in channels {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: PresenceConnectionHandler.self) {
                    body(handler)
                }
            }
        }
    }

    /// Connects client `index` and completes once its Socket.IO connect was accepted.
    private func connect(
        index: Int, group: MultiThreadedEventLoopGroup, shared: PresenceLoadShared, slot: PresenceStatisticsSlot
    ) -> EventLoopFuture<any Channel> {
        let configuration = configuration
        let eventLoop = group.next()
        let ready = eventLoop.makePromise(of: Void.self)
        let timeout = eventLoop.scheduleTask(in: .nanoseconds(Int64(configuration.connectTimeoutSeconds * 1e9))) {
            ready.fail(PresenceLoadError.connectTimedOut)
        }
        ready.futureResult.whenComplete { _ in timeout.cancel() }
        return WebSocketClient.connect(
            url: configuration.url, on: eventLoop, timeoutSeconds: configuration.connectTimeoutSeconds,
            maxFrameSize: Self.maxFrameSize
        ) { channel in
            // Reassembles fragmented messages; control frames pass through.
            try channel.pipeline.syncOperations.addHandler(
                NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                    maxAccumulatedFrameSize: Self.maxFrameSize))
            try channel.pipeline.syncOperations.addHandler(
                PresenceConnectionHandler(
                    index: index, firstUserID: configuration.firstUserID, clients: configuration.clients,
                    rate: configuration.rate, isObserver: index < configuration.observers, shared: shared, slot: slot,
                    ready: ready))
        }
        .flatMapError { error in
            ready.fail(error)
            return eventLoop.makeFailedFuture(error)
        }
        .flatMap { channel in
            ready.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    private func gatewayMemory() -> ProcessMemory? {
        configuration.gatewayPID.flatMap { ProcessMemory.sample(pid: $0) }
    }

    /// Sends every client a close frame and waits (at most 2 s) for the connections to close.
    private static func close(_ channels: [any Channel]) async {
        for channel in channels {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: PresenceConnectionHandler.self) {
                    handler.close()
                } else {
                    channel.close(promise: nil)
                }
            }
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    private static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    private static func seconds(since start: UInt64) -> Double { Double(now() &- start) / 1e9 }

    private static func sleep(until deadline: UInt64) async throws {
        let now = now()
        if deadline > now { try await Task.sleep(for: .nanoseconds(Int64(deadline - now))) }
    }
}

/// The outcome of one presence load run.
struct PresenceLoadResult: Sendable {
    /// The gateway's memory between the phases (nil where it could not be read).
    struct Memory: Sendable {
        /// Before any client connected.
        var before: ProcessMemory?
        /// With every client connected and idle, no user listed.
        var idle: ProcessMemory?
        /// After every client's user was registered.
        var registered: ProcessMemory?
        /// Highest resident size sampled (every 250 ms) over the measured window, in KiB.
        var loadPeakResidentKiB: Int?
        /// At the end of the measured window.
        var afterLoad: ProcessMemory?
        /// 3 s after every client closed.
        var afterClose: ProcessMemory?
    }

    /// What was run.
    var configuration: PresenceLoadConfiguration
    /// Clients that completed the Socket.IO connect.
    var connected: Int
    /// Clients that could not.
    var connectFailures: Int
    /// The first of those failures, for the report.
    var firstConnectError: String?
    /// Seconds to connect every client.
    var connectSeconds: Double
    /// Seconds until every client saw its registration (or the timeout).
    var registerSeconds: Double
    /// Seconds after the measured window until the last ping showed up (or the drain limit).
    var drainSeconds: Double
    /// Counts merged over all clients.
    var statistics: PresenceStatistics
    /// CPU times at the start of the measured window.
    var cpuStart: CPUSnapshot
    /// CPU times at its end.
    var cpuEnd: CPUSnapshot
    /// The machine's CPU time by kind and by process at the start of the measured window.
    var machineStart: MachineCPU
    /// The same at its end.
    var machineEnd: MachineCPU
    /// The gateway's memory.
    var memory: Memory

    /// Pings per second the clients offered over the measured window.
    var offeredPerSecond: Double { configuration.rate }

    /// Measured pings seen by their sender, per second of the measured window.
    var handledPerSecond: Double { Double(statistics.measuredObserved) / configuration.durationSeconds }

    /// All errors, connection failures included.
    var errors: UInt64 { statistics.errors + UInt64(connectFailures) }
}
