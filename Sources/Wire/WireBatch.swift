/// Messages that travel together (docs/protocol.md §4.3): a `batch` message whose body is the packed messages, each
/// a header followed by its body's length (u32) and its body.
///
/// A burst of commands for one worker, or of replies for one gateway, then costs the link one ZeroMQ message and one
/// CURVE box instead of one per frame of every message. Packing happens only where messages queue: one message
/// waiting alone is sent as it is.
package enum WireBatch {
    /// Kinds a batch may carry: the command/reply traffic between gateways and workers. Fleet control, file
    /// transfers and batches themselves always travel alone.
    package static let packableKinds: Set<MessageKind> = [.command, .reply, .ping, .pong, .event]
    /// Most messages one batch carries.
    package static let maxMessages = 1024
    /// Largest body a sender packs into one batch; a message that would push a batch past it starts the next one,
    /// and a message bigger than it travels alone. Far below the receivers' frame limit (`ZMQ_MAXMSGSIZE`).
    package static let maxBodyBytes = 1 << 20

    /// A `batch` message from `origin` carrying `messages` in order.
    package static func pack(_ messages: [WireMessage], origin: String) -> WireMessage {
        var w = ByteWriter(capacity: messages.reduce(0) { $0 + $1.packedSize })
        for message in messages { append(header: message.envelope.encoded(), body: message.body, to: &w) }
        return WireMessage(batchEnvelope(count: messages.count, origin: origin), body: w.bytes)
    }

    /// The messages of a batch's body, in order. A message whose header breaks a rule of the protocol, or whose kind
    /// may not be packed, is left out and its error returned; the ones after it are still read. A length that runs
    /// past the body ends the reading there (nothing after it can be found), with its error.
    package static func unpack(_ body: [UInt8]) -> (messages: [WireMessage], errors: [WireError]) {
        var messages: [WireMessage] = []
        var errors: [WireError] = []
        var offset = 0
        while offset < body.count {
            guard messages.count + errors.count < maxMessages else {
                errors.append(WireError(.badLength, "a batch of more than \(maxMessages) messages"))
                break
            }
            let headerEnd = offset + WireConstants.fixedHeaderSize
            guard headerEnd <= body.count else {
                errors.append(WireError(.truncated, "a packed header runs past the batch at \(offset)"))
                break
            }
            let bodyStart = headerEnd + Int(body[headerEnd - 1]) + 4
            guard bodyStart <= body.count else {
                errors.append(WireError(.truncated, "a packed header runs past the batch at \(offset)"))
                break
            }
            var length = 0
            for byte in body[(bodyStart - 4)..<bodyStart] { length = length << 8 | Int(byte) }
            guard length <= body.count - bodyStart else {
                errors.append(WireError(.truncated, "a packed body of \(length) bytes runs past the batch"))
                break
            }
            let header = Array(body[offset..<(bodyStart - 4)])
            offset = bodyStart + length
            do throws(WireError) {
                let envelope = try Envelope(decoding: header)
                guard packableKinds.contains(envelope.kind) else {
                    throw WireError(.badValue, "a \(envelope.kind) message inside a batch")
                }
                messages.append(WireMessage(envelope, body: Array(body[bodyStart..<offset])))
            } catch {
                errors.append(error)
            }
        }
        return (messages, errors)
    }

    /// `queued` with each run of two or more consecutive packable messages that share their first `routingFrames`
    /// frames (a PUB topic, a ROUTER identity) replaced by one batch behind those frames, within `maxMessages` and
    /// `maxBodyBytes`. Order is kept: a message that cannot be packed ends the run before it. For a socket's
    /// outgoing queue (`ZMQSocketOptions.coalesce`).
    package static func coalesce(_ queued: [[[UInt8]]], routingFrames: Int, origin: String) -> [[[UInt8]]] {
        guard queued.count > 1 else { return queued }
        var out: [[[UInt8]]] = []
        out.reserveCapacity(queued.count)
        var run = Run(routing: [], origin: origin)
        for message in queued {
            guard let size = packedSize(of: message, routingFrames: routingFrames) else {
                run.flush(into: &out)
                out.append(message)
                continue
            }
            let routing = Array(message.prefix(routingFrames))
            if run.count > 0, run.routing != routing || run.count == maxMessages || run.size + size > maxBodyBytes {
                run.flush(into: &out)
            }
            run.add(message, routing: routing, size: size)
        }
        run.flush(into: &out)
        return out
    }

    /// The bytes `message` (routing frames, header, body) takes inside a batch, or nil if it may not travel in one:
    /// not two frames after its routing, a kind that is never packed, or bigger than a batch may be.
    private static func packedSize(of message: [[UInt8]], routingFrames: Int) -> Int? {
        guard message.count == routingFrames + 2 else { return nil }
        let header = message[routingFrames]
        guard header.count >= WireConstants.fixedHeaderSize, let kind = MessageKind(rawValue: header[3]),
            packableKinds.contains(kind)
        else { return nil }
        let size = header.count + 4 + message[routingFrames + 1].count
        return size <= maxBodyBytes ? size : nil
    }

    /// The messages of one batch being gathered.
    private struct Run {
        var routing: [[UInt8]]
        let origin: String
        var first: [[UInt8]]? = nil
        var writer = ByteWriter(capacity: 0)
        var count = 0
        var size = 0

        mutating func add(_ message: [[UInt8]], routing: [[UInt8]], size: Int) {
            if count == 0 {
                self.routing = routing
                first = message
                writer = ByteWriter(capacity: 4096)
            }
            append(header: message[routing.count], body: message[routing.count + 1], to: &writer)
            count += 1
            self.size += size
        }

        mutating func flush(into out: inout [[[UInt8]]]) {
            defer {
                count = 0
                size = 0
                first = nil
            }
            if count == 1, let first {
                out.append(first)
            } else if count > 1 {
                out.append(routing + [batchEnvelope(count: count, origin: origin).encoded(), writer.bytes])
            }
        }
    }

    private static func batchEnvelope(count: Int, origin: String) -> Envelope {
        Envelope(
            kind: .batch, product: .fleet, partition: 0, epoch: 0, sequence: UInt64(count), origin: origin)
    }

    private static func append(header: [UInt8], body: [UInt8], to w: inout ByteWriter) {
        w.write(contentsOf: header)
        w.write(UInt32(body.count))
        w.write(contentsOf: body)
    }
}

extension WireMessage {
    /// Bytes this message takes inside a batch.
    fileprivate var packedSize: Int {
        WireConstants.fixedHeaderSize + envelope.origin.utf8.count + 4 + body.count
    }
}
