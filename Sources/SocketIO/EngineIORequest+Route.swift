extension EngineIORequest {
    /// Classifies the request as the reference server does, checking in its order (§1.6): transport (0) → `Origin`
    /// characters (3) → JSONP (3) → sid (1, or 3 on a transport mismatch) → handshake method (2) → `websocket`
    /// without upgrade headers (3) → `allowHandshake` (4) → `EIO` (5).
    ///
    /// - Parameters:
    ///   - sessionTransport: the current transport of the session with that id (polling until the upgrade
    ///     completes), or nil when no live session has it (``EngineIOSession/transport``).
    ///   - allowHandshake: the application's veto on new sessions (JS `allowRequest`); false answers 403 code 4.
    package func route(
        sessionTransport: (String) -> EngineIOTransport?,
        allowHandshake: (EngineIORequest) -> Bool = { _ in true }
    ) -> EngineIORoute {
        let upgrade = method == .get && isWebSocketUpgrade
        func reject(_ code: EngineIORequestError.Code) -> EngineIORoute {
            .reject(EngineIORequestError(code, webSocket: upgrade))
        }
        guard let transportName = query["transport"], let transport = EngineIOTransport(rawValue: transportName) else {
            return reject(.transportUnknown)
        }
        if let origin, !Self.isValidHeaderValue(origin) { return reject(.badRequest) }
        // JSONP is declared unsupported (§3 MAY); JS would only use it for polling.
        if transport == .polling, query["j"] != nil { return reject(.badRequest) }

        // As in JS, an empty `sid` counts as none.
        if let sid = query["sid"], !sid.isEmpty {
            guard let current = sessionTransport(sid) else { return reject(.sessionIDUnknown) }
            if upgrade {
                // A polling request with upgrade headers is not an upgrade JS can perform either.
                return transport == .websocket ? .upgrade(sessionID: sid) : reject(.badRequest)
            }
            // A websocket session has no HTTP side (JS would leave such a request hanging).
            if current != transport || transport == .websocket { return reject(.badRequest) }
            switch method {
            case .get: return .poll(sessionID: sid)
            case .post: return .post(sessionID: sid)
            case .other: return reject(.methodNotAllowed)
            }
        }
        if method != .get { return reject(.badHandshakeMethod) }
        if transport == .websocket, !upgrade { return reject(.badRequest) }
        if !allowHandshake(self) { return reject(.forbidden) }
        if query["EIO"] != "4" { return reject(.unsupportedProtocolVersion) }
        return .handshake(transport)
    }

    /// Whether `value` holds only tab and bytes 0x20–0x7E or 0x80–0xFF, as Node's `checkInvalidHeaderChar` requires.
    static func isValidHeaderValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            scalar == "\t" || (scalar.value >= 0x20 && scalar.value <= 0xFF && scalar.value != 0x7F)
        }
    }
}
