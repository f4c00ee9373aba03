import Fleet
import Foundation
package import Logging
package import ServiceLifecycle
import Steps
import Storage
import Wire
import ZeroMQ

/// One worker process: receive → decode → apply → commit → reply (docs/architecture.md), as services.
package enum WorkerServices {
    /// Binds the worker's sockets and returns its services in start order. The `ServiceGroup` that runs them stops
    /// them in reverse: first no command is taken any more, then the presence sweeps and the supervisor link stop,
    /// and last every partition file is closed (its write-ahead log checkpointed) and the ZeroMQ engine shut down.
    /// A part that fails (the supervisor is gone: `FleetMembership.Orphaned`) cancels the others, and the files are
    /// closed all the same.
    package static func build(_ config: WorkerConfiguration, logger: Logger) async throws -> [any Service] {
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let counters = ProcessCounters()
        let barrier = Self.barrier(for: config, logger: logger).map { sync in
            { @Sendable () throws -> Void in
                let started = ContinuousClock.now
                defer { counters.observeDuration(.syncDuration, since: started) }
                try sync()
            }
        }
        let engine = ZMQEngine(
            name: "worker-\(config.id)", logger: logger, maxMessageSize: config.maxWireMessageBytes)
        let ownership = PartitionOwnership(
            workerID: config.id, directory: config.dataDirectory, durability: config.durability,
            commitThreads: config.commitThreads, barrier: barrier, logger: logger)
        let linkGuard = FleetLinkGuard(security: config.security, logger: logger)
        do {
            return try await parts(
                config, engine: engine, ownership: ownership, linkGuard: linkGuard, counters: counters, logger: logger)
        } catch {
            // Nothing runs yet; the engine's thread must still stop.
            await engine.shutdown()
            throw error
        }
    }

    private static func parts(
        _ config: WorkerConfiguration, engine: ZMQEngine, ownership: PartitionOwnership, linkGuard: FleetLinkGuard,
        counters: ProcessCounters, logger: Logger
    ) async throws -> [any Service] {
        // The ZAP handler first: a CURVE server socket bound without one would refuse every peer.
        let zap = try await linkGuard.bind(on: engine)
        var routerOptions = ZMQSocketOptions()
        routerOptions.security = config.security.server
        let router = try await engine.makeSocket(.router, options: routerOptions, bind: [config.commandEndpoint])
        var pubOptions = ZMQSocketOptions()
        pubOptions.security = config.security.server
        pubOptions.sendHighWaterMark = 1_000_000
        // Replies for one gateway that queue up while the I/O thread is busy leave as one batch.
        pubOptions.coalesce = { [id = config.id] in WireBatch.coalesce($0, routingFrames: 1, origin: id) }
        let pub = try await engine.makeSocket(.pub, options: pubOptions, bind: [config.publishEndpoint])
        let hello = HelloMessage(
            role: .worker, pid: UInt32(getpid()),
            commandEndpoint: Self.advertised(try await engine.lastEndpoint(router), host: config.advertiseHost),
            publishEndpoint: Self.advertised(try await engine.lastEndpoint(pub), host: config.advertiseHost))
        logger.info(
            "worker listening",
            metadata: ["commands": "\(hello.commandEndpoint)", "publish": "\(hello.publishEndpoint)"])
        let membership = FleetMembership(
            engine: engine, id: config.id, role: .worker, supervisorEndpoint: config.supervisorEndpoint,
            heartbeatInterval: config.heartbeatInterval, security: config.security, logger: logger)
        let context = CommitContext(
            workerID: config.id, engine: engine, publishSocket: pub, counters: counters,
            stepsLimits: config.stepsLimits, presenceSettings: config.presenceSettings, logger: logger,
            epoch: { ownership.epoch })
        let files = PartitionFileServer(
            directory: config.dataDirectory, workerID: config.id, engine: engine,
            isHeld: { ownership.heldPartitions.contains($0) }, logger: logger)
        let fetcher = PartitionFetcher(
            directory: config.dataDirectory, workerID: config.id, engine: engine, logger: logger,
            security: config.security)
        let processor = CommandProcessor(
            ownership: ownership, context: context, files: files, commandSocket: router,
            readsOnIOThread: config.readsOnIOThread)
        var parts: [any Service] = [
            ProcessPart("partition files", cancelOnShutdown: false) {
                // Until the group stops (or is cancelled by a part that failed): then close in order.
                try? await gracefulShutdown()
                await ownership.closeAll()
                await engine.shutdown()
                logger.info("worker stopped")
            }
        ]
        if let zap {
            parts.append(ProcessPart("fleet link guard") { await linkGuard.serve(zap, on: engine) })
        }
        parts.append(
            ProcessPart("supervisor link") {
                try await membership.run(
                    hello: hello, exitWhenOrphaned: config.exitWhenOrphaned, lease: config.lease,
                    status: {
                        counters.set(.linkRefused, to: UInt64(linkGuard.refused))
                        var beat = counters.heartbeat(
                            droppedOutbound: engine.droppedOutbound, heldPartitions: ownership.heldPartitions)
                        beat.fetchedPartitions = ownership.fetchedPartitions
                        return beat
                    },
                    onMap: { map in
                        // The map's keys first: the processes it names may connect at once.
                        linkGuard.adopt(map)
                        files.mapAdopted(map, ownEndpoint: hello.commandEndpoint)
                        counters.setReady(
                            await ownership.adopt(
                                map, context: context, fetcher: fetcher,
                                onFetched: { membership.heartbeatNow() }))
                        membership.heartbeatNow()
                    },
                    onFence: {
                        counters.setReady(false)
                        await ownership.fence()
                        membership.heartbeatNow()
                    },
                    malformed: { error in
                        counters.addMalformed()
                        logger.warning("malformed control message dropped", metadata: ["error": "\(error)"])
                    })
            })
        parts.append(
            ProcessPart("presence sweeps") {
                // Each partition knows its next presence deadline; due ones get a sweep transaction.
                while !Task.isCancelled {
                    try await Task.sleep(for: config.presenceSweepInterval)
                    let now = PartitionLane.wallClock()
                    for owned in ownership.snapshot.owned.values { owned.lane.sweepIfDue(now: now) }
                }
            })
        parts.append(
            ProcessPart("commands") {
                // Decoding and handing commands to their lanes never blocks, so it runs on the I/O thread.
                await engine.consume(router) { processor.process($0) }
            })
        return parts
    }

    /// `endpoint` (`tcp://0.0.0.0:5601`) with its host replaced by `host` when given.
    static func advertised(_ endpoint: String, host: String?) -> String {
        guard let host, let scheme = endpoint.range(of: "://"),
            let colon = endpoint[scheme.upperBound...].lastIndex(of: ":")
        else { return endpoint }
        return String(endpoint[..<scheme.upperBound]) + host + String(endpoint[colon...])
    }

    /// With `full` durability on Linux, one `syncfs` per commit round instead of one fsync per transaction. A data
    /// folder whose file system refuses `syncfs` falls back to the per-transaction fsync, with a warning.
    private static func barrier(for config: WorkerConfiguration, logger: Logger) -> (@Sendable () throws -> Void)? {
        #if os(Linux)
            guard config.durability == .full, config.roundBarrier else { return nil }
            do {
                let barrier = try DurabilityBarrier(directory: config.dataDirectory)
                try barrier.sync()
                return { try barrier.sync() }
            } catch {
                logger.warning(
                    "syncfs unavailable on the data folder; using one fsync per transaction",
                    metadata: ["error": "\(error)"])
                return nil
            }
        #else
            return nil
        #endif
    }
}
