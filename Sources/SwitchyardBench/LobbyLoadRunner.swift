import JSON
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Runs one lobby load: connects, logs in and subscribes every subscriber (in batches), samples the gateways'
/// memory, lets the admin send changes at the rate through the warm-up and the measured window, waits for the
/// last change to reach every subscriber, collects the counts and closes everything.
struct LobbyLoadRunner: Sendable {
    /// What to run.
    let configuration: LobbyLoadConfiguration

    /// Runs the load to its end; throws when the admin or no subscriber could start.
    func run() async throws -> LobbyLoadResult {
        try await withEventLoopGroup(threads: configuration.threads) { try await run(on: $0) }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> LobbyLoadResult {
        let urlCount = configuration.urls.count
        var loops: [any EventLoop] = []
        var recorders: [NIOLoopBound<LobbyRecorder>] = []
        for loop in group.makeIterator() {
            loops.append(loop)
            recorders.append(
                try await loop.submit { NIOLoopBound(LobbyRecorder(gateways: urlCount), eventLoop: loop) }.get())
        }
        var memory = configuration.memoryProcesses.map {
            LobbyLoadResult.Memory(name: $0.name, before: Self.residentKiB($0.pid))
        }

        // The admin first: its login is checked (PBKDF2) before the subscribers' logins start.
        let adminSlot = LobbyAdminSlot()
        let admin = try await connectAdmin(on: loops[0], slot: adminSlot)

        // Subscribers: one per URL alone first, so each gateway has checked (and cached) the subscribers'
        // credentials before the batches log in together; then batches of --connect-batch.
        let subscribeStarted = NIODeadline.now().uptimeNanoseconds
        var channels: [any Channel] = []
        var subscribedPerURL = Array(repeating: 0, count: urlCount)
        var failures = 0
        var firstError: String?
        var index = 0
        var batchSize = min(urlCount, configuration.subscribers)
        while index < configuration.subscribers {
            let batch = (index..<min(configuration.subscribers, index + batchSize)).map { i in
                (i, connectSubscriber(index: i, loop: loops[i % loops.count], recorder: recorders[i % loops.count]))
            }
            for (i, (channel, subscribed)) in batch {
                do {
                    let up = try await channel.get()
                    channels.append(up)
                    do {
                        try await subscribed.get()
                        subscribedPerURL[i % urlCount] += 1
                    } catch {
                        failures += 1
                        if firstError == nil { firstError = "\(error)" }
                    }
                } catch {
                    failures += 1
                    if firstError == nil { firstError = "\(error)" }
                }
            }
            index += batch.count
            batchSize = configuration.connectBatch
        }
        let subscribeSeconds = Double(NIODeadline.now().uptimeNanoseconds - subscribeStarted) / 1e9
        guard subscribedPerURL.reduce(0, +) > 0 else {
            await close(admin: admin, subscribers: channels, loops: loops, recorders: recorders)
            throw LobbyLoadError("no subscriber could subscribe: \(firstError ?? "unknown error")")
        }

        try await Task.sleep(for: .nanoseconds(Int64(configuration.settleSeconds * 1e9)))
        for (n, process) in configuration.memoryProcesses.enumerated() {
            memory[n].subscribed = Self.residentKiB(process.pid)
        }

        // The changes: the warm-up, then the measured window.
        let observed = CPUSnapshot.withDescendants(of: configuration.observedPIDs)
        let start = NIODeadline.now().uptimeNanoseconds + 100_000_000
        let measureStart = start + UInt64(configuration.warmupSeconds * 1e9)
        let schedule = LobbyLoadSchedule(
            start: start, measureStart: measureStart,
            measureEnd: measureStart + UInt64(configuration.durationSeconds * 1e9), rate: configuration.rate)
        for (loop, recorder) in zip(loops, recorders) {
            try await loop.submit { recorder.value.schedule = schedule }.get()
        }
        try await admin.eventLoop.submit {
            try admin.pipeline.syncOperations.handler(type: LobbyAdminHandler.self).start(schedule)
        }.get()

        try await Self.sleep(until: schedule.measureStart)
        let cpuStart = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)
        try await Self.sleep(until: schedule.measureEnd)
        let cpuEnd = CPUSnapshot.take(observing: observed, nanos: NIODeadline.now().uptimeNanoseconds)
        for (n, process) in configuration.memoryProcesses.enumerated() {
            memory[n].loaded = Self.residentKiB(process.pid)
        }
        try? await admin.eventLoop.submit {
            try? admin.pipeline.syncOperations.handler(type: LobbyAdminHandler.self).stop()
        }.get()
        let adminStatistics = adminSlot.statistics

        // The drain: until every open subscriber has the last change, within --drain.
        let total = adminStatistics.sent
        let drainDeadline = NIODeadline.now().uptimeNanoseconds + UInt64(configuration.drainSeconds * 1e9)
        var behind = 0
        var drainNanos: UInt64?
        while true {
            behind = 0
            for (loop, recorder) in zip(loops, recorders) {
                behind += try await loop.submit { recorder.value.behind(total: total) }.get()
            }
            let now = NIODeadline.now().uptimeNanoseconds
            if behind == 0 {
                drainNanos = now > schedule.measureEnd ? now - schedule.measureEnd : 0
                break
            }
            if now >= drainDeadline { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        for (n, process) in configuration.memoryProcesses.enumerated() {
            memory[n].drained = Self.residentKiB(process.pid)
        }

        var deliveries = LobbyDeliveryStatistics(gateways: urlCount)
        for (loop, recorder) in zip(loops, recorders) {
            let counted = try await loop.submit {
                recorder.value.closing = true
                return recorder.value.finish(total: total)
            }.get()
            deliveries.merge(counted)
        }
        await close(admin: admin, subscribers: channels, loops: loops, recorders: recorders)
        return LobbyLoadResult(
            configuration: configuration, subscribedPerURL: subscribedPerURL, subscribeFailures: failures,
            firstSubscribeError: firstError, subscribeSeconds: subscribeSeconds, admin: adminSlot.statistics,
            deliveries: deliveries, adminStartNanos: schedule.start, drainNanos: drainNanos, behindAtEnd: behind,
            cpuStart: cpuStart, cpuEnd: cpuEnd,
            memory: memory)
    }

    /// The admin's connection once it is logged in.
    private func connectAdmin(on loop: any EventLoop, slot: LobbyAdminSlot) async throws -> any Channel {
        let loggedIn = loop.makePromise(of: Void.self)
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(configuration.connectTimeoutSeconds * 1e9))) {
            loggedIn.fail(LobbyLoadError("the admin was not logged in within --connect-timeout"))
        }
        loggedIn.futureResult.whenComplete { _ in timeout.cancel() }
        let login = Self.loginText(configuration.adminUsername, configuration.adminPassword)
        let tableID = configuration.tableID
        let channel = WebSocketClient.connect(
            url: configuration.adminURL, on: loop, timeoutSeconds: configuration.connectTimeoutSeconds,
            maxFrameSize: 1 << 20
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(
                LobbyAdminHandler(tableID: tableID, login: login, slot: slot, loggedIn: loggedIn))
        }
        channel.whenFailure { loggedIn.fail($0) }
        let up = try await channel.get()
        do {
            try await loggedIn.futureResult.get()
        } catch {
            try? await up.close()
            throw LobbyLoadError("admin at \(configuration.adminURL): \(error)")
        }
        return up
    }

    /// Connects subscriber `index`; the second future completes when it received `table_list`.
    private func connectSubscriber(
        index: Int, loop: any EventLoop, recorder: NIOLoopBound<LobbyRecorder>
    ) -> (EventLoopFuture<any Channel>, EventLoopFuture<Void>) {
        let gateway = index % configuration.urls.count
        let subscribed = loop.makePromise(of: Void.self)
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(configuration.connectTimeoutSeconds * 1e9))) {
            subscribed.fail(LobbyLoadError("no table_list within --connect-timeout"))
        }
        subscribed.futureResult.whenComplete { _ in timeout.cancel() }
        let opening = [
            Self.loginText(configuration.username, configuration.password), #"{"$type":"subscribe_tables"}"#,
        ]
        let channel = WebSocketClient.connect(
            url: configuration.urls[gateway], on: loop, timeoutSeconds: configuration.connectTimeoutSeconds,
            maxFrameSize: 1 << 20
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(
                LobbySubscriberHandler(
                    index: index, gateway: gateway, recorder: recorder.value, opening: opening, subscribed: subscribed))
        }
        channel.whenFailure { subscribed.fail($0) }
        return (channel, subscribed.futureResult)
    }

    /// `{"$type":"login","username":…,"password":…}`.
    private static func loginText(_ username: String, _ password: String) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        writer.key("$type")
        writer.value("login")
        writer.key("username")
        writer.value(username)
        writer.key("password")
        writer.value(password)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Sends every connection a close frame and waits (at most 2 s) for the connections to close.
    private func close(
        admin: any Channel, subscribers: [any Channel], loops: [any EventLoop],
        recorders: [NIOLoopBound<LobbyRecorder>]
    ) async {
        for (loop, recorder) in zip(loops, recorders) {
            try? await loop.submit { recorder.value.closing = true }.get()
        }
        admin.eventLoop.execute {
            if let handler = try? admin.pipeline.syncOperations.handler(type: LobbyAdminHandler.self) {
                handler.close()
            } else {
                admin.close(promise: nil)
            }
        }
        for channel in subscribers {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: LobbySubscriberHandler.self) {
                    handler.close()
                } else {
                    channel.close(promise: nil)
                }
            }
        }
        for channel in subscribers + [admin] {
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
        for channel in subscribers + [admin] { try? await channel.closeFuture.get() }
    }

    /// `VmRSS` of `pid` in KiB; nil when it cannot be read.
    private static func residentKiB(_ pid: Int32) -> UInt64? {
        ProcessMemory.sample(pid: pid).map { UInt64(max(0, $0.residentKiB)) }
    }

    private static func sleep(until deadline: UInt64) async throws {
        let now = NIODeadline.now().uptimeNanoseconds
        if deadline > now { try await Task.sleep(for: .nanoseconds(Int64(deadline - now))) }
    }
}
