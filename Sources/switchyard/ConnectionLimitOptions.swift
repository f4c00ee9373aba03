import ArgumentParser
import Gateway

/// Per-connection limits of a gateway's WebSockets and its drain, shared by `gateway` and the fleet commands
/// (which hand them to every gateway they launch).
struct ConnectionLimitOptions: ParsableArguments {
    @Option(help: "Messages a lobby WebSocket may have waiting to be written before it is closed (1008) as too slow.")
    var lobbyMaxQueuedMessages: Int = 1024
    @Option(help: "Frames a Socket.IO WebSocket may have waiting to be written before it is closed (1008) as too slow.")
    var socketioMaxQueuedFrames: Int = 64
    @Option(help: "Bytes a lobby or Socket.IO WebSocket may have waiting to be written before it is closed (1008).")
    var maxQueuedBytes: Int = 4 << 20
    @Option(help: "On SIGTERM, milliseconds a gateway's WebSockets get to finish in-flight work before closing with 1001.")
    var drainTimeoutMs: Int = 5000

    func validate() throws {
        guard lobbyMaxQueuedMessages >= 1, socketioMaxQueuedFrames >= 1, maxQueuedBytes >= 1 else {
            throw ValidationError(
                "--lobby-max-queued-messages, --socketio-max-queued-frames and --max-queued-bytes must be at least 1")
        }
        guard drainTimeoutMs >= 0 else { throw ValidationError("--drain-timeout-ms must be 0 or more") }
    }

    /// The same options as `gateway` arguments.
    var arguments: [String] {
        [
            "--lobby-max-queued-messages", "\(lobbyMaxQueuedMessages)",
            "--socketio-max-queued-frames", "\(socketioMaxQueuedFrames)", "--max-queued-bytes", "\(maxQueuedBytes)",
            "--drain-timeout-ms", "\(drainTimeoutMs)",
        ]
    }

    /// Sets them in a gateway's configuration.
    func apply(to config: inout GatewayConfiguration) {
        config.lobbyMaxQueuedMessages = lobbyMaxQueuedMessages
        config.socketIOMaxQueuedFrames = socketioMaxQueuedFrames
        config.lobbyMaxQueuedBytes = maxQueuedBytes
        config.socketIOMaxQueuedBytes = maxQueuedBytes
        config.drainTimeout = .milliseconds(drainTimeoutMs)
    }
}
