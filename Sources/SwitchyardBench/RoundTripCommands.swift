import ArgumentParser
import CZeroMQ
import Fleet
import Foundation
import GatewayCore
import Logging
import NIOCore
import NIOPosix
import Steps
import Wire
import ZeroMQ

/// `switchyard-bench fleet-roundtrip`: joins a running fleet as a gateway (the fleet file must name `--id` on another
/// host, and `--key-file` must be its key) and times one command at a time, sent through the gateway's own
/// `FleetClient` to the worker that owns the partition and answered back: the fleet's round trip without HTTP.
struct FleetRoundTripCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-roundtrip",
        abstract: "Time single steps reads through FleetClient to a worker and back, one at a time.")

    @Option(help: "This gateway's id (declared in the fleet file, on another host).")
    var id: String = "gbench"
    @Option(help: "The supervisor's control endpoint.")
    var supervisor: String
    @Option(help: "This gateway's key file (switchyard keys issue); omit for a fleet with insecure links.")
    var keyFile: String?
    @Option(help: "Measured round trips.")
    var requests: Int = 20000
    @Option(help: "Unmeasured round trips first.")
    var warmup: Int = 2000
    @Option(
        help:
            "Who waits for each reply: task (an async task, as the router's handlers do) or event-loop (a NIO event loop, as the gateway's WebSocket and read handlers do)."
    )
    var caller: String = "task"

    func validate() throws {
        guard ["task", "event-loop"].contains(caller) else { throw ValidationError("--caller: task or event-loop") }
    }

    func run() async throws {
        var logger = Logger(label: "switchyard-bench.fleet-roundtrip")
        logger.logLevel = .warning
        var configuration = FleetClient.Configuration(id: id, supervisorEndpoint: supervisor, listeners: 0)
        configuration.security = try keyFile.map { try LinkSecurity.load(keyFile: $0, process: id) } ?? .insecure
        let client = FleetClient(configuration: configuration, logger: logger)
        let service = Task { try await client.run() }
        defer { service.cancel() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while !client.isReady {
            guard ContinuousClock.now < deadline else { throw ValidationError("no partition map within 60 s") }
            try await Task.sleep(for: .milliseconds(20))  // poll interval, bounded by the deadline
        }
        let body = StepsCommand.get(username: "roundtrip").encoded()
        if caller == "event-loop" {
            let times = try await Self.fromEventLoop(client, body: body, count: warmup + requests, warmup: warmup)
            return times.printResult(mode: "fleet-event-loop")
        }
        var times = RoundTripTimes(warmup: warmup)
        let clock = ContinuousClock()
        for index in 0..<(warmup + requests) {
            let start = clock.now
            let result = await client.request(product: .steps, key: "roundtrip", body: body, idempotent: true)
            let elapsed = start.duration(to: clock.now)
            guard case .success = result else { throw ValidationError("request \(index) failed: \(result)") }
            times.record(elapsed, at: index)
        }
        times.printResult(mode: "fleet")
    }

    /// `count` round trips, each sent from an event loop when the previous reply has come back to it.
    private static func fromEventLoop(_ client: FleetClient, body: [UInt8], count: Int, warmup: Int) async throws
        -> RoundTripTimes
    {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let run = EventLoopRoundTrips(client: client, body: body, count: count, warmup: warmup, loop: loop)
        loop.execute { run.next() }
        return try await run.done.futureResult.get()
    }
}

/// The event-loop caller of `fleet-roundtrip`: every method runs on `loop`, which owns the state.
private final class EventLoopRoundTrips: @unchecked Sendable {
    let client: FleetClient
    let body: [UInt8]
    let count: Int
    let loop: any EventLoop
    let done: EventLoopPromise<RoundTripTimes>
    private var times: RoundTripTimes
    private var index = 0
    private let clock = ContinuousClock()

    init(client: FleetClient, body: [UInt8], count: Int, warmup: Int, loop: any EventLoop) {
        self.client = client
        self.body = body
        self.count = count
        self.loop = loop
        self.times = RoundTripTimes(warmup: warmup)
        self.done = loop.makePromise()
    }

    /// Sends the next request, or finishes.
    func next() {
        loop.preconditionInEventLoop()
        guard index < count else { return done.succeed(times) }
        let start = clock.now
        client.request(product: .steps, key: "roundtrip", partition: nil, body: body, idempotent: true, timeout: nil) {
            result in
            self.loop.execute {
                guard case .success = result else {
                    return self.done.fail(ValidationError("request \(self.index) failed: \(result)"))
                }
                self.times.record(start.duration(to: self.clock.now), at: self.index)
                self.index += 1
                self.next()
            }
        }
    }
}

/// `switchyard-bench zmq-echo`: a ROUTER that sends every message straight back, on a plain thread with blocking
/// libzmq calls: the other end of `zmq-roundtrip`. Prints `endpoint <endpoint> key <public key or ->` and serves until
/// killed.
struct ZMQEchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq-echo", abstract: "Echo every message on a ROUTER (raw libzmq, blocking calls).")

    @Option(help: "Endpoint to bind.")
    var endpoint: String = "tcp://127.0.0.1:*"
    @Flag(help: "A CURVE server with a fresh key pair (any client key is let in).")
    var curve = false

    func run() throws {
        let context = zmq_ctx_new()
        let router = zmq_socket(context, ZMQ_ROUTER)
        var key = "-"
        if curve {
            let keys = try ZMQCurveKeyPair.generate()
            key = keys.publicKey
            var on: Int32 = 1
            zmq_setsockopt(router, ZMQ_CURVE_SERVER, &on, MemoryLayout<Int32>.size)
            _ = keys.secretKey.withCString { zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, $0, 40) }
        }
        guard zmq_bind(router, endpoint) == 0 else { throw ValidationError("cannot bind \(endpoint)") }
        var buffer = [UInt8](repeating: 0, count: 256)
        var size = buffer.count
        zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, &buffer, &size)
        let bound = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        // Written straight to the descriptor: print's buffer would hold the line while this thread serves forever.
        FileHandle.standardOutput.write(Data("endpoint \(bound) key \(key)\n".utf8))
        var message = zmq_msg_t()
        while true {
            zmq_msg_init(&message)
            guard zmq_msg_recv(&message, router, 0) >= 0 else { continue }
            let more = zmq_msg_more(&message) != 0
            // Every frame goes back as it came, identity first, so the DEALER gets its own frames.
            zmq_msg_send(&message, router, more ? ZMQ_SNDMORE : 0)
        }
    }
}

/// `switchyard-bench zmq-roundtrip`: a DEALER that sends one two-frame message of a command's size to `zmq-echo` and
/// waits for it to come back, one at a time, with blocking libzmq calls on one thread: the raw ZeroMQ round trip
/// that `fleet-roundtrip` is compared with.
struct ZMQRoundTripCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq-roundtrip", abstract: "Time raw DEALER→ROUTER→DEALER round trips, one at a time.")

    @Option(help: "The echo's endpoint.")
    var endpoint: String
    @Option(help: "The echo's CURVE public key; omit for a plain link.")
    var serverKey: String?
    @Option(help: "Measured round trips.")
    var requests: Int = 20000
    @Option(help: "Unmeasured round trips first.")
    var warmup: Int = 2000

    func run() throws {
        let context = zmq_ctx_new()
        let dealer = zmq_socket(context, ZMQ_DEALER)
        if let serverKey {
            let keys = try ZMQCurveKeyPair.generate()
            _ = serverKey.withCString { zmq_setsockopt(dealer, ZMQ_CURVE_SERVERKEY, $0, 40) }
            _ = keys.publicKey.withCString { zmq_setsockopt(dealer, ZMQ_CURVE_PUBLICKEY, $0, 40) }
            _ = keys.secretKey.withCString { zmq_setsockopt(dealer, ZMQ_CURVE_SECRETKEY, $0, 40) }
        }
        guard zmq_connect(dealer, endpoint) == 0 else { throw ValidationError("cannot connect to \(endpoint)") }
        // The same sizes as a steps read: its header frame and its body frame.
        let header = Envelope(kind: .command, product: .steps, correlation: 1, origin: "gbench").encoded()
        let body = StepsCommand.get(username: "roundtrip").encoded()
        var times = RoundTripTimes(warmup: warmup)
        let clock = ContinuousClock()
        var reply = [UInt8](repeating: 0, count: 4096)
        for index in 0..<(warmup + requests) {
            let start = clock.now
            _ = header.withUnsafeBytes { zmq_send(dealer, $0.baseAddress, $0.count, ZMQ_SNDMORE) }
            _ = body.withUnsafeBytes { zmq_send(dealer, $0.baseAddress, $0.count, 0) }
            for _ in 0..<2 { _ = reply.withUnsafeMutableBytes { zmq_recv(dealer, $0.baseAddress, $0.count, 0) } }
            times.record(start.duration(to: clock.now), at: index)
        }
        times.printResult(mode: serverKey == nil ? "zmq" : "zmq-curve")
    }
}

/// The round trips of one run after its `warmup` unmeasured ones.
private struct RoundTripTimes {
    let warmup: Int
    private var histogram = LatencyHistogram()
    private var total = Duration.zero

    init(warmup: Int) { self.warmup = warmup }

    /// Records round trip number `index` (from 0), unless it is one of the warm-up.
    mutating func record(_ elapsed: Duration, at index: Int) {
        guard index >= warmup else { return }
        histogram.record(micros: UInt64(elapsed / .microseconds(1)))
        total += elapsed
    }

    /// One line a script can read: `result mode=… requests=… mean_us=… p50_us=… p90_us=… p99_us=… max_us=…`.
    func printResult(mode: String) {
        let mean = histogram.count == 0 ? .zero : total / Int(histogram.count)
        let meanMicros = Double(mean.components.attoseconds) / 1e12 + Double(mean.components.seconds) * 1e6
        print(
            "result mode=\(mode) requests=\(histogram.count) mean_us=\(String(format: "%.1f", meanMicros)) "
                + "p50_us=\(histogram.quantile(0.5)) p90_us=\(histogram.quantile(0.9)) "
                + "p99_us=\(histogram.quantile(0.99)) max_us=\(histogram.maxMicros)")
    }
}
