import NIOCore
import NIOWebSocket

/// One Socket.IO client over WebSocket (Engine.IO v4, Socket.IO v5) after the upgrade: answers the open packet with
/// a CONNECT, answers Engine.IO pings, sends `user-ping` in its slots, and watches the `online-users-list`
/// broadcasts for its own new status (and, as an observer, for every other client's). Confined to its channel's
/// event loop; the runner reaches it with `syncOperations.handler(type:)` from that loop.
///
/// Client i's slots are `loadStart + (i + k·clients) / rate`, so all clients together offer `rate` pings/s evenly.
/// A client sends a ping in a slot only when its previous ping has been seen in a list (otherwise the slot is
/// counted as skipped): each ping flips the status (registration `available`, then `busy`, `available`, …), so the
/// first list that shows the new status is the one that reflects the ping.
final class PresenceConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Room left before each payload so the frame encoder can prepend the header in place.
    private static let headroom = 14

    private struct Pending {
        var sequence: UInt32
        var status: PresenceListedStatus
        var sentAt: UInt64
        var measured: Bool
    }

    private let index: Int
    private let userID: Int
    private let firstUserID: Int
    private let clients: Int
    private let rate: Double
    private let isObserver: Bool
    private let shared: PresenceLoadShared
    private let slot: PresenceStatisticsSlot
    private let ownPattern: [UInt8]
    private var random: SplitMix64
    private var context: ChannelHandlerContext?
    private var ready: EventLoopPromise<Void>?
    private var opened = false
    private var connected = false
    private var registered = false
    private var gotList = false
    private var gotCount = false
    private var schedule: PresenceSchedule?
    private var finished = false
    private var pending: Pending?
    private var nextSequence: UInt32 = 0
    private var slotNumber: UInt64 = 0
    private var timer: Scheduled<Void>?
    /// Observer only: the status last seen for every client, and the number of the ping that set it.
    private var seenStatus: [PresenceListedStatus] = []
    private var seenSequence: [UInt32] = []
    private var statistics = PresenceStatistics()

    /// Creates client `index` (user `firstUserID + index`) of `clients`; `ready` succeeds at the Socket.IO connect.
    init(
        index: Int, firstUserID: Int, clients: Int, rate: Double, isObserver: Bool, shared: PresenceLoadShared,
        slot: PresenceStatisticsSlot, ready: EventLoopPromise<Void>
    ) {
        self.index = index
        self.userID = firstUserID + index
        self.firstUserID = firstUserID
        self.clients = clients
        self.rate = rate
        self.isObserver = isObserver
        self.shared = shared
        self.slot = slot
        self.ready = ready
        ownPattern = PresenceFrames.entryPattern(user: firstUserID + index)
        random = SplitMix64(seed: UInt64(truncatingIfNeeded: userID) &* 0x9E37_79B9 ^ UInt64.random(in: 0...UInt64.max))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: - Runner's calls (on the channel's event loop)

    /// Sends the registration ping (`available`, sequence 0).
    func register() {
        guard connected, !finished, nextSequence == 0, let context else { return }
        statistics.initialEvents = gotList && gotCount ? 1 : 0
        send(status: .available, measured: false, now: NIODeadline.now().uptimeNanoseconds, context: context)
    }

    /// Starts the ping slots; a client that did not see its registration stays silent.
    func start(_ schedule: PresenceSchedule) {
        guard registered, !finished, self.schedule == nil else { return }
        self.schedule = schedule
        if isObserver {
            // Every registered client is `available` after its registration ping (sequence 0).
            seenStatus = Array(repeating: .available, count: clients)
            seenSequence = Array(repeating: 0, count: clients)
        }
        arm()
    }

    /// Stops sending and publishes what was counted; a ping still unseen counts as unobserved.
    func finish() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        giveUpPending()
        publish()
    }

    /// Sends a masked close frame (1000) and closes the connection.
    func close() {
        guard let context else { return }
        finish()
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(using: &random), data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: - Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            received(frame.unmaskedData, context: context)
        case .ping:
            let pong = WebSocketFrame(
                fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            lost()
            context.close(promise: nil)
        case .pong:
            break
        default:
            statistics.unknownFrames += 1
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lost()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lost()
        context.close(promise: nil)
    }

    // MARK: - Receiving

    private func received(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        let inWindow = schedule.map { now >= $0.measureStart && now < $0.measureEnd } ?? false
        let size = UInt64(payload.readableBytes)
        if inWindow { statistics.measuredBytes += size }
        payload.withUnsafeReadableBytes { bytes in
            switch PresenceFrames.kind(bytes) {
            case .open:
                guard !opened else {
                    statistics.unknownFrames += 1
                    return
                }
                opened = true
                write("40", context: context)
            case .ping:
                statistics.enginePings += 1
                write("3", context: context)
            case .connected:
                guard !connected else {
                    statistics.unknownFrames += 1
                    return
                }
                connected = true
                statistics.connected = 1
                _ = shared.connected.add(1, ordering: .relaxed)
                ready?.succeed()
                ready = nil
            case .list:
                list(bytes, size: size, now: now, inWindow: inWindow)
            case .count:
                gotCount = true
                if inWindow { statistics.measuredCounts += 1 }
            case .serverDisconnect, .connectError:
                statistics.serverDisconnects += 1
                ready?.fail(PresenceLoadError.refused(String(buffer: payload)))
                ready = nil
            case .close:
                lost()
                context.close(promise: nil)
            case .other:
                statistics.unknownFrames += 1
            }
        }
    }

    private func list(_ bytes: UnsafeRawBufferPointer, size: UInt64, now: UInt64, inWindow: Bool) {
        gotList = true
        statistics.largestList = max(statistics.largestList, size)
        if inWindow {
            statistics.measuredLists += 1
            statistics.measuredListBytes += size
        }
        if let pending, let status = PresenceFrames.status(of: ownPattern, in: bytes) {
            if status == pending.status {
                seen(pending, now: now)
            } else if status == .away {
                statistics.away += 1
            }
        }
        if isObserver, schedule != nil, !finished { observe(bytes, now: now) }
    }

    /// The sender saw its own ping applied.
    private func seen(_ ping: Pending, now: UInt64) {
        pending = nil
        guard ping.sequence > 0 else {
            registered = true
            statistics.registered = 1
            _ = shared.registered.add(1, ordering: .relaxed)
            return
        }
        _ = shared.outstanding.subtract(1, ordering: .relaxed)
        statistics.observed += 1
        if ping.measured {
            statistics.measuredObserved += 1
            statistics.latency.record(micros: (now &- ping.sentAt) / 1000)
        }
    }

    /// Observer: every status change of another client in this list is that client's next ping arriving here.
    private func observe(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        shared.board.withLookup { lookup in
            PresenceFrames.forEachEntry(in: bytes) { user, status in
                let client = user - firstUserID
                guard client >= 0, client < clients, client != index else { return }
                guard status != .away else {
                    statistics.away += 1
                    return
                }
                guard status != seenStatus[client] else { return }
                let sequence = seenSequence[client] &+ 1
                seenStatus[client] = status
                seenSequence[client] = sequence
                guard let ping = lookup(client, sequence) else {
                    statistics.observerUntimed += 1
                    return
                }
                if ping.measured { statistics.observerLatency.record(micros: (now &- ping.sentAt) / 1000) }
            }
        }
    }

    // MARK: - Sending

    private func arm() {
        guard let schedule, let context, !finished else { return }
        let offset = (Double(index) + Double(slotNumber) * Double(clients)) / rate
        let slotTime = schedule.loadStart + UInt64(offset * 1e9)
        guard slotTime < schedule.measureEnd else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: .uptimeNanoseconds(slotTime)) {
            handler.value.fire(slotTime: slotTime)
        }
    }

    private func fire(slotTime: UInt64) {
        guard let schedule, let context, !finished else { return }
        let measured = slotTime >= schedule.measureStart && slotTime < schedule.measureEnd
        if pending != nil {
            if measured { statistics.measuredSkipped += 1 }
        } else {
            statistics.sent += 1
            if measured { statistics.measuredSent += 1 }
            _ = shared.outstanding.add(1, ordering: .relaxed)
            let status: PresenceListedStatus = nextSequence % 2 == 1 ? .busy : .available
            send(status: status, measured: measured, now: NIODeadline.now().uptimeNanoseconds, context: context)
        }
        slotNumber += 1
        arm()
    }

    private func send(status: PresenceListedStatus, measured: Bool, now: UInt64, context: ChannelHandlerContext) {
        let sequence = nextSequence
        nextSequence += 1
        shared.board.record(client: index, sequence: sequence, sentAt: now, measured: measured)
        pending = Pending(sequence: sequence, status: status, sentAt: now, measured: measured)
        write(#"42["user-ping",{"id":\#(userID),"status":"\#(status.clientValue)"}]"#, context: context)
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Self.headroom + text.utf8.count)
        buffer.moveWriterIndex(forwardBy: Self.headroom)
        buffer.moveReaderIndex(forwardBy: Self.headroom)
        buffer.writeString(text)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: buffer)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    // MARK: - Ending

    /// A load ping still unseen will not be seen: stop waiting for it.
    private func giveUpPending() {
        guard let pending else { return }
        self.pending = nil
        if pending.sequence > 0 {
            statistics.unobserved += 1
            _ = shared.outstanding.subtract(1, ordering: .relaxed)
        }
    }

    /// The connection ended (or failed) before the runner finished it.
    private func lost() {
        ready?.fail(PresenceLoadError.closedBeforeConnect)
        ready = nil
        guard !finished else { return }
        statistics.disconnects += 1
        finished = true
        timer?.cancel()
        giveUpPending()
        publish()
    }

    private func publish() {
        slot.publish(statistics)
    }
}
