import SocketIO
import Testing

@Suite struct EngineIORequestTests {
    static let sid = "lv_VI97HAXpY6yYWAAAC"

    /// Routes a request against a table holding `sid` on `transport` (nil: no sessions).
    func route(
        _ method: EngineIORequest.Method, _ query: [String: String], upgrade: Bool = false, origin: String? = nil,
        session transport: EngineIOTransport? = .polling, allow: Bool = true
    ) -> EngineIORoute {
        EngineIORequest(method: method, query: query, isWebSocketUpgrade: upgrade, origin: origin)
            .route(sessionTransport: { $0 == Self.sid ? transport : nil }, allowHandshake: { _ in allow })
    }

    /// The response of a refused route, or nil when the request was not refused.
    func refusal(_ route: EngineIORoute) -> EngineIOHTTPResponse? {
        if case .reject(let error) = route { return error.response }
        return nil
    }

    func jsonError(_ code: Int, _ message: String, status: Int = 400) -> EngineIOHTTPResponse {
        EngineIOHTTPResponse(
            status: status, contentType: "application/json", body: #"{"code":\#(code),"message":"\#(message)"}"#)
    }

    // MARK: Protocol reference §4.4, row by row.

    @Test func unknownTransport() {
        #expect(refusal(route(.get, ["EIO": "4", "transport": "foo"])) == jsonError(0, "Transport unknown"))
    }

    @Test func missingTransport() {
        #expect(refusal(route(.get, ["EIO": "4"])) == jsonError(0, "Transport unknown"))
    }

    @Test func missingOrOldProtocolVersion() {
        let expected = jsonError(5, "Unsupported protocol version")
        #expect(refusal(route(.get, ["transport": "polling"])) == expected)
        #expect(refusal(route(.get, ["EIO": "3", "transport": "polling"])) == expected)
        #expect(refusal(route(.get, ["EIO": "5", "transport": "websocket"], upgrade: true)) != nil)
    }

    @Test func unknownSessionID() {
        #expect(
            refusal(route(.get, ["EIO": "4", "transport": "polling", "sid": "bogus"]))
                == jsonError(1, "Session ID unknown"))
        // A closed session is unknown too: the table lookup answers nil.
        #expect(
            refusal(route(.post, ["EIO": "4", "transport": "polling", "sid": Self.sid], session: nil))
                == jsonError(1, "Session ID unknown"))
    }

    @Test func postHandshake() {
        #expect(refusal(route(.post, ["EIO": "4", "transport": "polling"])) == jsonError(2, "Bad handshake method"))
        #expect(refusal(route(.other, ["EIO": "4", "transport": "polling"])) == jsonError(2, "Bad handshake method"))
    }

    @Test func pollingAfterTheUpgrade() {
        let query = ["EIO": "4", "transport": "polling", "sid": Self.sid]
        #expect(refusal(route(.get, query, session: .websocket)) == jsonError(3, "Bad request"))
        #expect(refusal(route(.post, query, session: .websocket)) == jsonError(3, "Bad request"))
    }

    // MARK: Accepted requests.

    @Test func handshakes() {
        // Query order and extra parameters (`t`, `b64`) do not matter.
        #expect(route(.get, ["EIO": "4", "transport": "polling", "t": "Pq3x9Ab"]) == .handshake(.polling))
        #expect(route(.get, ["t": "1795627433.54", "transport": "polling", "EIO": "4"]) == .handshake(.polling))
        #expect(route(.get, ["transport": "websocket", "EIO": "4"], upgrade: true) == .handshake(.websocket))
        // As in JS, an empty sid is no sid.
        #expect(route(.get, ["EIO": "4", "transport": "polling", "sid": ""]) == .handshake(.polling))
    }

    @Test func sessionRequests() {
        let polling = ["EIO": "4", "transport": "polling", "sid": Self.sid]
        #expect(route(.get, polling) == .poll(sessionID: Self.sid))
        #expect(route(.post, polling) == .post(sessionID: Self.sid))
        // EIO is only checked on the handshake.
        #expect(route(.get, ["transport": "polling", "sid": Self.sid]) == .poll(sessionID: Self.sid))
        let upgrade = ["EIO": "4", "transport": "websocket", "sid": Self.sid]
        #expect(route(.get, upgrade, upgrade: true) == .upgrade(sessionID: Self.sid))
        // The upgrade is routed even when the session already moved: the session itself refuses the second socket.
        #expect(route(.get, upgrade, upgrade: true, session: .websocket) == .upgrade(sessionID: Self.sid))
    }

    // MARK: The other §1.6 refusals.

    @Test func websocketWithoutUpgradeHeaders() {
        #expect(refusal(route(.get, ["EIO": "4", "transport": "websocket"])) == jsonError(3, "Bad request"))
        let withSid = ["EIO": "4", "transport": "websocket", "sid": Self.sid]
        #expect(refusal(route(.get, withSid, session: .websocket)) == jsonError(3, "Bad request"))
        #expect(refusal(route(.get, withSid, session: .polling)) == jsonError(3, "Bad request"))
    }

    @Test func pollingWithUpgradeHeaders() {
        let query = ["EIO": "4", "transport": "polling", "sid": Self.sid]
        #expect(
            refusal(route(.get, query, upgrade: true))
                == EngineIOHTTPResponse(status: 400, contentType: "text/html", body: "Bad request"))
    }

    @Test func forbiddenHandshake() {
        #expect(
            refusal(route(.get, ["EIO": "4", "transport": "polling"], allow: false))
                == jsonError(4, "Forbidden", status: 403))
        // The veto only applies to new sessions.
        #expect(
            route(.get, ["EIO": "4", "transport": "polling", "sid": Self.sid], allow: false)
                == .poll(sessionID: Self.sid))
    }

    @Test func otherMethodOnAKnownSession() {
        let route = route(.other, ["EIO": "4", "transport": "polling", "sid": Self.sid])
        #expect(refusal(route) == EngineIOHTTPResponse(status: 500, contentType: nil, body: ""))
        guard case .reject(let error) = route else { return }
        #expect(error.code == .methodNotAllowed)
    }

    @Test func jsonpIsUnsupported() {
        #expect(refusal(route(.get, ["EIO": "4", "transport": "polling", "j": "0"])) == jsonError(3, "Bad request"))
        #expect(
            refusal(route(.post, ["EIO": "4", "transport": "polling", "j": "0", "sid": Self.sid]))
                == jsonError(3, "Bad request"))
    }

    @Test func originWithForbiddenCharacters() {
        let query = ["EIO": "4", "transport": "polling"]
        #expect(refusal(route(.get, query, origin: "http://a\u{0}b")) == jsonError(3, "Bad request"))
        #expect(refusal(route(.get, query, origin: "http://\u{100}")) == jsonError(3, "Bad request"))
        #expect(route(.get, query, origin: "http://127.0.0.1:5001") == .handshake(.polling))
        #expect(route(.get, query, origin: "http://caf\u{e9}.example") == .handshake(.polling))
    }

    @Test func failedUpgradesGetTheBareMessage() {
        let query = ["EIO": "4", "transport": "websocket", "sid": "bogus"]
        #expect(
            refusal(route(.get, query, upgrade: true))
                == EngineIOHTTPResponse(status: 400, contentType: "text/html", body: "Session ID unknown"))
        #expect(
            refusal(route(.get, ["EIO": "3", "transport": "websocket"], upgrade: true))
                == EngineIOHTTPResponse(status: 400, contentType: "text/html", body: "Unsupported protocol version"))
    }

    // MARK: JS check order (transport → Origin → sid → method → websocket without upgrade → allow → EIO).

    @Test func checksInTheReferenceOrder() {
        // Transport before everything.
        #expect(
            refusal(route(.post, ["transport": "foo", "sid": "bogus"], origin: "\u{0}"))?.body.contains(#""code":0"#)
                == true)
        // Origin before sid.
        #expect(
            refusal(route(.get, ["transport": "polling", "sid": "bogus"], origin: "\u{0}"))?.body.contains(#""code":3"#)
                == true)
        // sid before method and EIO.
        #expect(refusal(route(.post, ["transport": "polling", "sid": "bogus"]))?.body.contains(#""code":1"#) == true)
        // Method before the websocket check and EIO.
        #expect(refusal(route(.post, ["transport": "websocket"]))?.body.contains(#""code":2"#) == true)
        // Websocket without upgrade before the veto and EIO.
        #expect(refusal(route(.get, ["transport": "websocket"], allow: false))?.body.contains(#""code":3"#) == true)
        // The veto before EIO.
        #expect(refusal(route(.get, ["transport": "polling"], allow: false))?.body.contains(#""code":4"#) == true)
    }
}
