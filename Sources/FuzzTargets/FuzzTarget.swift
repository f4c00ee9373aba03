import JSON
import Lobby
import Presence
import SocketIO
import Stats
import Steps
import Wire

/// What the fuzzers feed untrusted bytes to (scripts/fuzz.sh; the committed corpus under Tests/FuzzCorpus is replayed
/// by the tests). Each target must return for every input: a decoder may refuse it, never crash or hang.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// Every inter-process decoder: the first byte picks the message form, the rest is the frame.
    case wire
    /// The JSON parser, with the gateway's limits.
    case json
    /// Engine.IO packets and polling payloads, and Socket.IO packets.
    case socketio
    /// Lobby client messages (WebSocket text frames), through the connection state machine.
    case lobby
    /// Step-tracker updates (WebSocket text frames).
    case steps

    /// Runs one input through the target.
    package func run(_ input: [UInt8]) {
        switch self {
        case .wire: Self.wire(input)
        case .json: _ = try? JSONParser.parse(input)
        case .socketio: Self.socketIO(input)
        case .lobby: Self.lobby(input)
        case .steps: _ = StepsValidator().validate(input)
        }
    }

    private static func wire(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let frame = Array(input.dropFirst())
        switch selector % 16 {
        case 0: _ = try? Envelope(decoding: frame)
        case 1: _ = try? HelloMessage(decoding: frame)
        case 2: _ = try? HeartbeatMessage(decoding: frame)
        case 3: _ = try? PartitionMap(decoding: frame, epoch: 1)
        case 4: _ = try? FileChunk(decoding: frame)
        case 5: _ = try? FetchRequest(decoding: frame)
        case 6: _ = try? StepsCommand(decoding: frame)
        case 7: _ = try? StepsReply(decoding: frame)
        case 8: _ = try? StatsCommand(decoding: frame)
        case 9: _ = try? StatsReply(decoding: frame)
        case 10: _ = try? PresenceCommand(decoding: frame)
        case 11: _ = try? PresenceReply(decoding: frame)
        case 12: _ = try? PresenceEvent.decode(frame)
        case 13: _ = try? LobbyCommand(decoding: frame)
        case 14: _ = try? LobbyReply(decoding: frame)
        default: _ = try? LobbyEventBody.decode(frame)
        }
        // Every frame is also read as a batch's body: it must never trap, whatever its lengths say.
        _ = WireBatch.unpack(frame)
        // A whole multipart message: frames split at 0xFF bytes.
        let frames = input.split(separator: 0xFF, omittingEmptySubsequences: false).map(Array.init)
        _ = try? WireMessage(frames: frames, routingFrames: selector & 1 == 0 ? 0 : 1)
    }

    private static func socketIO(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        _ = try? EngineIOPacket(text: text)
        _ = try? EngineIOPayload.decode(input)
        _ = try? SocketIOPacket(decoding: text)
    }

    private static func lobby(_ input: [UInt8]) {
        var connection = LobbyConnection()
        // Login first, so that the admin paths are reached too.
        _ = connection.received(frame: Array(#"{"$type":"login","username":"admin","password":"admin"}"#.utf8))
        _ = connection.loginResult(.admin)
        for frame in input.split(separator: 0x0A, omittingEmptySubsequences: false) {
            _ = connection.received(frame: Array(frame))
        }
    }
}
