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
    @Option(
        help: "On SIGTERM, milliseconds a gateway's WebSockets get to finish in-flight work before closing with 1001.")
    var drainTimeoutMs: Int = 5000
    @Option(help: "Milliseconds a client has to complete a request header (then 408 and close).")
    var headerTimeoutMs: Int = 30_000
    @Option(help: "Milliseconds a request body may make no progress (then 408 and close).")
    var bodyTimeoutMs: Int = 30_000
    @Option(help: "Milliseconds a keep-alive connection may stay idle between requests (then closed).")
    var idleTimeoutMs: Int = 75_000
    @Option(help: "Milliseconds of silence after which a step-tracker or lobby WebSocket is pinged.")
    var wsPingIntervalMs: Int = 30_000
    @Option(help: "Milliseconds a pinged WebSocket has to answer (then closed with 1001).")
    var wsPingTimeoutMs: Int = 20_000
    @Option(help: "Client connections a gateway holds across its ports (0: the descriptor limit less the reserve).")
    var maxConnections: Int = 0
    @Option(help: "Descriptors a gateway keeps free for its own work when --max-connections is 0.")
    var descriptorReserve: Int = 128
    @Option(help: "Failed lobby logins in a row after which a name is locked (its logins refused unchecked).")
    var maxFailedLogins: Int = 5
    @Option(help: "Milliseconds a lobby name stays locked after --max-failed-logins.")
    var loginLockoutMs: Int = 30_000
    @Option(help: "Failed logins on one lobby WebSocket after which it is closed with 1008.")
    var maxFailedLoginsPerConnection: Int = 5
    @Option(help: "Lobby password checks queued or running per gateway; one more is refused (REST: 503).")
    var maxQueuedPasswordChecks: Int = 16
    @Option(help: "Messages per second one WebSocket may send (bursts of as many); faster ones are not read (0: off).")
    var maxMessagesPerSecond: Int = 2000
    @Option(help: "Event-loop or task lag in milliseconds at which a gateway sheds new work (0: never on lag).")
    var shedLagMs: Int = 100
    @Option(help: "Bytes queued for clients, gateway-wide, at which a gateway sheds new work (0: never on bytes).")
    var shedQueuedBytes: Int = 256 << 20
    @Option(help: "Milliseconds between checks of whether lobby accounts still accept their first-start passwords.")
    var defaultPasswordCheckMs: Int = 60_000
    @Option(help: "Packets one Socket.IO polling POST may carry; more gets 413.")
    var socketioMaxPacketsPerPayload: Int = 64
    @Option(
        help: "Kernel send buffer (SO_SNDBUF) of each client connection in bytes (0: the kernel's autotuned default).")
    var socketSendBuffer: Int = 0

    func validate() throws {
        guard lobbyMaxQueuedMessages >= 1, socketioMaxQueuedFrames >= 1, maxQueuedBytes >= 1 else {
            throw ValidationError(
                "--lobby-max-queued-messages, --socketio-max-queued-frames and --max-queued-bytes must be at least 1")
        }
        guard drainTimeoutMs >= 0 else { throw ValidationError("--drain-timeout-ms must be 0 or more") }
        guard
            [headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, wsPingIntervalMs, wsPingTimeoutMs].allSatisfy({ $0 >= 1 })
        else {
            throw ValidationError(
                "--header-timeout-ms, --body-timeout-ms, --idle-timeout-ms, --ws-ping-interval-ms and --ws-ping-timeout-ms must be at least 1"
            )
        }
        guard
            maxFailedLogins >= 1, loginLockoutMs >= 0, maxFailedLoginsPerConnection >= 1, maxQueuedPasswordChecks >= 1,
            maxMessagesPerSecond >= 0, socketioMaxPacketsPerPayload >= 1, defaultPasswordCheckMs >= 1, shedLagMs >= 0,
            shedQueuedBytes >= 0
        else {
            throw ValidationError(
                "--max-failed-logins, --max-failed-logins-per-connection, --max-queued-password-checks, --socketio-max-packets-per-payload and --default-password-check-ms must be at least 1; --login-lockout-ms, --max-messages-per-second, --shed-lag-ms and --shed-queued-bytes 0 or more"
            )
        }
        guard maxConnections >= 0, descriptorReserve >= 0 else {
            throw ValidationError("--max-connections and --descriptor-reserve must be 0 or more")
        }
        guard socketSendBuffer == 0 || (1024...(1 << 30)).contains(socketSendBuffer) else {
            throw ValidationError("--socket-send-buffer must be 0 (the kernel's default) or 1024 to 1073741824 bytes")
        }
    }

    /// The same options as `gateway` arguments.
    var arguments: [String] {
        [
            "--lobby-max-queued-messages", "\(lobbyMaxQueuedMessages)",
            "--socketio-max-queued-frames", "\(socketioMaxQueuedFrames)", "--max-queued-bytes", "\(maxQueuedBytes)",
            "--drain-timeout-ms", "\(drainTimeoutMs)",
            "--header-timeout-ms", "\(headerTimeoutMs)", "--body-timeout-ms", "\(bodyTimeoutMs)",
            "--idle-timeout-ms", "\(idleTimeoutMs)", "--ws-ping-interval-ms", "\(wsPingIntervalMs)",
            "--ws-ping-timeout-ms", "\(wsPingTimeoutMs)", "--max-connections", "\(maxConnections)",
            "--descriptor-reserve", "\(descriptorReserve)", "--max-failed-logins", "\(maxFailedLogins)",
            "--login-lockout-ms", "\(loginLockoutMs)",
            "--max-failed-logins-per-connection", "\(maxFailedLoginsPerConnection)",
            "--max-queued-password-checks", "\(maxQueuedPasswordChecks)",
            "--max-messages-per-second", "\(maxMessagesPerSecond)",
            "--socketio-max-packets-per-payload", "\(socketioMaxPacketsPerPayload)",
            "--default-password-check-ms", "\(defaultPasswordCheckMs)", "--shed-lag-ms", "\(shedLagMs)",
            "--shed-queued-bytes", "\(shedQueuedBytes)", "--socket-send-buffer", "\(socketSendBuffer)",
        ]
    }

    /// Sets them in a gateway's configuration.
    func apply(to config: inout GatewayConfiguration) {
        config.lobbyMaxQueuedMessages = lobbyMaxQueuedMessages
        config.socketIOMaxQueuedFrames = socketioMaxQueuedFrames
        config.lobbyMaxQueuedBytes = maxQueuedBytes
        config.socketIOMaxQueuedBytes = maxQueuedBytes
        config.drainTimeout = .milliseconds(drainTimeoutMs)
        config.edge.headerTimeout = .milliseconds(headerTimeoutMs)
        config.edge.bodyTimeout = .milliseconds(bodyTimeoutMs)
        config.edge.idleTimeout = .milliseconds(idleTimeoutMs)
        config.edge.webSocketPingInterval = .milliseconds(wsPingIntervalMs)
        config.edge.webSocketPingTimeout = .milliseconds(wsPingTimeoutMs)
        config.edge.maxConnections = maxConnections
        config.edge.descriptorReserve = descriptorReserve
        config.edge.maxFailedLogins = maxFailedLogins
        config.edge.loginLockout = .milliseconds(loginLockoutMs)
        config.edge.maxFailedLoginsPerConnection = maxFailedLoginsPerConnection
        config.edge.maxQueuedPasswordChecks = maxQueuedPasswordChecks
        config.edge.maxMessagesPerSecond = maxMessagesPerSecond
        config.edge.maxPacketsPerPayload = socketioMaxPacketsPerPayload
        config.edge.defaultPasswordCheckInterval = .milliseconds(defaultPasswordCheckMs)
        config.edge.shedLag = shedLagMs > 0 ? .milliseconds(shedLagMs) : nil
        config.edge.shedQueuedBytes = shedQueuedBytes > 0 ? shedQueuedBytes : nil
        config.edge.socketSendBuffer = socketSendBuffer > 0 ? socketSendBuffer : nil
    }
}
