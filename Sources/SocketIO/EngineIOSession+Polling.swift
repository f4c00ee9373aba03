extension EngineIOSession {
    /// A polling GET (§1.4): answered at once when packets are queued, otherwise held. A second GET while one is
    /// held gets 400 with an empty body, the first is released with `1`, and the session closes (§4.4). After the
    /// upgrade the answer is 400 code 3; once closed, 400 code 1.
    package mutating func handlePollGET(at now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .closed:
            return [.respond(EngineIORequestError(.sessionIDUnknown).response)]
        case .webSocket:
            return [.respond(EngineIORequestError(.badRequest).response)]
        case .polling, .upgrading, .closing:
            break
        }
        if isPollHeld {
            return [.respond(.badRequest)] + terminate(.pollOverlap)
        }
        if !queue.isEmpty {
            let response = EngineIOHTTPResponse.packets(queue)
            queue.removeAll(keepingCapacity: true)
            if case .closing = phase {
                // The queue ended with the server's `1`: the client now has everything.
                phase = .closed
                return [.respond(response), .closed(.serverClose)]
            }
            return [.respond(response)]
        }
        if case .upgrading(_, probed: true, _) = phase {
            // Mid-upgrade the client must get its GET back to send `5` (§1.9 step 4); answering at once, as the
            // Python server does, spares JS's 100 ms re-check timer. The JS client stops polling once it has `3probe`.
            return [.respond(.packets([.noop]))]
        }
        isPollHeld = true
        return [.holdPoll]
    }

    /// A polling POST (§1.4): the body's packets are applied in order, then `200 ok`. A body over `maxPayload`, or
    /// with more than `maxPacketsPerPayload` packets, gets 413 (none of it applied) and the session survives; `application/octet-stream` gets 400 and closes it. A packet that does not
    /// decode, or a client ping, closes the session after the packets before it were applied; the POST then gets
    /// 400 code 3 (the protocol test suite expects 400). A `1` closes it, releasing a held GET with `6`, and the
    /// POST gets `ok`.
    package mutating func handlePollPOST(
        body: [UInt8], contentType: String? = nil, at now: ContinuousClock.Instant
    ) -> [Action] {
        switch phase {
        case .closed:
            return [.respond(EngineIORequestError(.sessionIDUnknown).response)]
        case .webSocket:
            return [.respond(EngineIORequestError(.badRequest).response)]
        case .closing:
            // Like JS, packets that arrive after the server decided to close are dropped; the client learns of the
            // close from its next GET.
            return [.respond(.ok)]
        case .polling, .upgrading:
            break
        }
        if let contentType, contentType.lowercased() == "application/octet-stream" {
            return [.respond(.badRequest)] + terminate(.invalidContentType)
        }
        if body.count > configuration.maxPayload {
            return [.respond(.payloadTooLarge)]
        }
        let parts = EngineIOPayload.split(body)
        if parts.count > configuration.maxPacketsPerPayload {
            return [.respond(.payloadTooLarge)]
        }
        var actions: [Action] = []
        for part in parts {
            let packet: EngineIOPacket
            do {
                packet = try EngineIOPacket(text: String(decoding: part, as: UTF8.self))
            } catch {
                actions.append(.respond(EngineIORequestError(.badRequest).response))
                return actions + terminate(.parseError)
            }
            if let reason = receive(packet, at: now, into: &actions) {
                if reason == .clientClose {
                    actions.append(.respond(.ok))
                    return actions + terminate(reason, pollRelease: .noop)
                }
                actions.append(.respond(EngineIORequestError(.badRequest).response))
                return actions + terminate(reason)
            }
        }
        actions.append(.respond(.ok))
        return actions
    }
}
