import Fleet
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Stats
import Steps
import Synchronization
import Testing
import Wire

@testable import GatewayCore
@testable import GatewayStats
@testable import GatewaySteps

/// Stands in for the router: records what reaches it and answers when told to.
final class RouterSpy: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    var parts: [HTTPServerRequestPart] = []
    var events: [Any] = []
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { parts.append(unwrapInboundIn(data)) }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) { events.append(event) }

    /// URIs of the request heads the router got.
    var uris: [String] { parts.compactMap { if case .head(let head) = $0 { head.uri } else { nil } } }

    /// Writes a complete response with `status` through the pipeline.
    func respond(_ status: HTTPResponseStatus) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

@Suite struct EventLoopRequestHandlerTests {
    static let user = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    static let course = "1c6f8a0e-93a4-4b1e-9d4b-0a6c2d4e8f10"

    struct Harness {
        let channel: EmbeddedChannel
        let fleet = FakeFleet()
        let router = RouterSpy()
        let reads = ReadCounter()
        let policy = EdgePolicy(limits: EdgeLimits(), descriptors: 1024, counters: ProcessCounters())

        init() throws {
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(reads)
            try channel.pipeline.syncOperations.addHandler(
                EventLoopRequestHandler(
                    route: StatsRoutes.eventLoopRequests(validator: StatsValidator()), fleet: fleet, policy: policy,
                    product: .stats))
            try channel.pipeline.syncOperations.addHandler(router)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        func get(_ uri: String, headers: [(String, String)]? = nil) throws {
            let head = HTTPRequestHead(
                version: .http1_1, method: .GET, uri: uri,
                headers: HTTPHeaders(headers ?? [("Host", "x"), ("X-User-Id", EventLoopRequestHandlerTests.user)]))
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        func post(_ uri: String, body parts: [String], headers: [(String, String)]? = nil) throws {
            let length = parts.reduce(0) { $0 + $1.utf8.count }
            let head = HTTPRequestHead(
                version: .http1_1, method: .POST, uri: uri,
                headers: HTTPHeaders(
                    headers ?? [
                        ("Host", "x"), ("X-User-Id", EventLoopRequestHandlerTests.user),
                        ("Content-Length", "\(length)"),
                    ]))
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            for part in parts { try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: part))) }
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        /// Runs what the fleet's answers scheduled, and returns the responses written: status, headers, body.
        func responses() throws -> [(HTTPResponseStatus, HTTPHeaders, String)] {
            channel.embeddedEventLoop.run()
            var out: [(HTTPResponseStatus, HTTPHeaders, String)] = []
            while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
                switch part {
                case .head(let head): out.append((head.status, head.headers, ""))
                case .body(.byteBuffer(let buffer)): out[out.count - 1].2 += String(buffer: buffer)
                case .body, .end: break
                }
            }
            return out
        }
    }

    static let courseReply = StatsReply.course(
        CourseStats(sessions: 1, totalModulesStudied: 3, weightedScoreSum: 150, scoreSum: 50, timeStudied: 1000))

    @Test func aReadIsAnsweredHereWithTheRoutersBytesAndNeverReachesTheRouter() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        #expect(h.fleet.waiting.count == 1)
        #expect(try h.responses().isEmpty)
        h.fleet.answer(.success(Self.courseReply.encoded()))
        let responses = try h.responses()
        #expect(responses.count == 1)
        let (status, headers, body) = try #require(responses.first)
        let expected = StatsRoutes.answer(.success(Self.courseReply.encoded()), respond: StatsRoutes.courseAnswer)
        #expect(status == .ok)
        #expect(body == expected.body)
        #expect(headers["Content-Type"] == ["application/json; charset=utf-8"])
        #expect(headers["Content-Length"] == ["\(body.utf8.count)"])
        #expect(headers["Server"] == ["switchyard"])
        #expect(headers["Date"].count == 1)
        #expect(!headers.contains(name: "Connection"))
        #expect(h.router.parts.isEmpty)
        #expect(h.channel.isActive)
    }

    @Test func aMissingCourseAndALostReplyGetTheRoutersErrorAnswers() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        h.fleet.answer(.success(StatsReply.course(nil).encoded()))
        var responses = try h.responses()
        try h.get("/courses/\(Self.course)/sessions/\(Self.user)")
        h.fleet.answer(.failure(FleetRequestError(.timeout)))
        responses += try h.responses()
        #expect(responses.map(\.0) == [.notFound, .serviceUnavailable])
        #expect(responses[0].2 == #"{"error":"Course not found"}"#)
        #expect(responses[1].2 == JSONAnswer.noReply(FleetRequestError(.timeout)).body)
    }

    @Test func everythingElseGoesToTheRouterUntouched() throws {
        let h = try Harness()
        try h.get("/courses/not-a-uuid")
        h.router.respond(.badRequest)
        try h.get("/courses/\(Self.course)?x=1")
        h.router.respond(.ok)
        try h.get("/courses/\(Self.course)", headers: [("Host", "x")])  // no X-User-Id
        h.router.respond(.badRequest)
        try h.get("/courses/\(Self.course)", headers: [("X-User-Id", Self.user), ("X-User-Id", Self.user)])
        h.router.respond(.badRequest)
        try h.get("/openapi.yaml")
        h.router.respond(.ok)
        #expect(
            h.router.uris == [
                "/courses/not-a-uuid", "/courses/\(Self.course)?x=1", "/courses/\(Self.course)",
                "/courses/\(Self.course)", "/openapi.yaml",
            ])
        #expect(h.router.parts.count == 10)  // heads and ends, nothing dropped
        #expect(h.fleet.waiting.isEmpty)
    }

    @Test func pipelinedRequestsWaitForTheReadsAnswerAndPastTheBoundTheSocketIsNotRead() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        try h.get("/courses/bad")  // for the router: must not be answered before the read
        #expect(h.router.parts.isEmpty)
        var before = h.reads.reads
        h.channel.read()
        #expect(h.reads.reads == before + 1)  // two parts held: reading goes on
        let more = EventLoopRequestHandler.heldPartsLimit / 2
        for index in 0..<more { try h.get("/courses/bad\(index)") }
        before = h.reads.reads
        h.channel.read()
        #expect(h.reads.reads == before)  // at the bound: not read until the answer
        h.fleet.answer(.success(Self.courseReply.encoded()))
        #expect(try h.responses().map(\.0) == [.ok])
        #expect(h.router.uris == ["/courses/bad"] + (0..<more).map { "/courses/bad\($0)" })
        #expect(h.reads.reads == before + 1)
    }

    @Test func aClientThatDoesNotReadItsAnswersGetsNoMoreUntilItDoes() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        try h.get("/courses/\(Self.course)")  // pipelined: held behind the first
        h.channel.isWritable = false
        h.fleet.answer(.success(Self.courseReply.encoded()))
        #expect(try h.responses().count == 1)
        // The second is not taken while the first answer sits unread, and the socket is not read.
        #expect(h.fleet.waiting.isEmpty)
        let before = h.reads.reads
        h.channel.read()
        #expect(h.reads.reads == before)
        h.channel.isWritable = true
        h.channel.pipeline.fireChannelWritabilityChanged()
        #expect(h.fleet.waiting.count == 1)
        h.fleet.answer(.success(Self.courseReply.encoded()))
        #expect(try h.responses().count == 1)
        // The read held back is asked for once nothing waits any more.
        #expect(h.reads.reads == before + 1)
        // A new request while not writable goes to the router, whose writer waits for writability itself.
        h.channel.isWritable = false
        try h.get("/courses/\(Self.course)")
        #expect(h.fleet.waiting.isEmpty)
        #expect(h.router.uris == ["/courses/\(Self.course)"])
    }

    @Test func aReadWaitsBehindARouterResponseStillOwed() throws {
        let h = try Harness()
        try h.get("/courses/bad")
        try h.get("/courses/\(Self.course)")  // the router still owes the first answer: it takes this one too
        #expect(h.router.uris == ["/courses/bad", "/courses/\(Self.course)"])
        h.router.respond(.badRequest)
        h.router.respond(.ok)
        try h.get("/courses/\(Self.course)")  // nothing owed now: answered here
        #expect(h.fleet.waiting.count == 1)
        #expect(h.router.uris.count == 2)
    }

    @Test func whileSheddingEveryRequestGoesToTheRouter() throws {
        let h = try Harness()
        h.policy.setOverloaded(true)
        try h.get("/courses/\(Self.course)")
        #expect(h.fleet.waiting.isEmpty)
        #expect(h.router.uris == ["/courses/\(Self.course)"])
    }

    @Test func aShutdownDuringAReadClosesAfterItsAnswerAndAnIdleOneIsTheRouters() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        h.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(h.router.events.isEmpty)
        h.fleet.answer(.success(Self.courseReply.encoded()))
        let responses = try h.responses()
        #expect(responses.first?.1["Connection"] == ["close"])
        #expect(!h.channel.isActive)

        let idle = try Harness()
        idle.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(idle.router.events.count == 1)
    }

    @Test func aReplyAfterTheConnectionClosedIsDropped() throws {
        let h = try Harness()
        try h.get("/courses/\(Self.course)")
        _ = try h.channel.close().wait()
        h.fleet.answer(.success(Self.courseReply.encoded()))
        h.channel.embeddedEventLoop.run()
        #expect(throws: Never.self) { _ = try h.channel.finish(acceptAlreadyClosed: true) }
    }

    @Test func plainReadSegmentsTakeOnlyPlainGETs() {
        func segments(
            _ uri: String, method: HTTPMethod = .GET, version: HTTPVersion = .http1_1,
            _ headers: [(String, String)] = []
        ) -> [Substring]? {
            HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers)).plainReadSegments
        }
        #expect(segments("/users/bob/steps") == ["users", "bob", "steps"])
        #expect(segments("/users/bob/steps", [("Content-Length", "0")]) == ["users", "bob", "steps"])
        #expect(segments("/users/bob/steps", method: .POST) == nil)
        #expect(segments("/users/bob/steps", method: .HEAD) == nil)
        #expect(segments("/users/bob/steps", version: .http1_0) == nil)
        #expect(segments("/users/bob/steps", [("Connection", "close")]) == nil)
        #expect(segments("/users/a%2Fb/steps") == nil)
        #expect(segments("/users/bob/steps?x") == nil)
        #expect(segments("/users//steps") == nil)
        #expect(segments("/users/bob/steps/") == nil)
        #expect(segments("http://x/users/bob/steps") == nil)
        #expect(segments("/users/bob/steps", [("Content-Length", "5")]) == nil)
        #expect(segments("/users/bob/steps", [("Transfer-Encoding", "chunked")]) == nil)
    }

    static let session = StatsSession(
        sessionID: StatsID("0b9e2f55-3c1d-4a7e-8f60-1d2c3b4a5e6f")!, totalModulesStudied: 3, averageScore: 50,
        timeStudied: 1000)
    static let sessionJSON =
        #"{"sessionId":"0b9e2f55-3c1d-4a7e-8f60-1d2c3b4a5e6f","totalModulesStudied":3,"averageScore":50,"#
        + #""timeStudied":1000}"#

    @Test func aPostIsValidatedHereAndItsSessionSentInOnePieceOrMany() throws {
        let h = try Harness()
        let json = Self.sessionJSON
        let cut = json.index(json.startIndex, offsetBy: 20)
        try h.post("/courses/\(Self.course)", body: [String(json[..<cut]), String(json[cut...])])
        let command = StatsCommand.record(
            user: StatsID(Self.user)!, course: StatsID(Self.course)!, session: Self.session)
        #expect(h.fleet.waitingBodies == [command.encoded()])
        h.fleet.answer(.success(StatsReply.recorded(Self.session).encoded()))
        var responses = try h.responses()
        try h.post("/courses/\(Self.course)", body: [json])
        h.fleet.answer(.success(StatsReply.conflict.encoded()))
        responses += try h.responses()
        try #require(responses.map(\.0) == [.created, .conflict])
        #expect(responses[0].2 == StatsJSON.session(Self.session))
        #expect(responses[1].2 == #"{"error":"Session already recorded"}"#)
        #expect(h.router.parts.isEmpty)
    }

    @Test func aRefusedBodyIsAnsweredAtOnceWithoutTheFleetAndInOrder() throws {
        let h = try Harness()
        try h.post("/courses/\(Self.course)", body: ["{"])
        try h.post("/courses/\(Self.course)", body: [])
        #expect(h.fleet.waiting.isEmpty)
        let refusals = try h.responses()
        #expect(refusals.map(\.0) == [.badRequest, .badRequest])
        let validator = StatsValidator()
        for (response, body) in zip(refusals, ["{", ""]) {
            guard case .failure(let error) = validator.session(from: Array(body.utf8)) else {
                Issue.record("\(body) is valid")
                continue
            }
            #expect(response.2 == StatsRoutes.refusal(error).body)
        }
        // Pipelined behind a read with the fleet: answered after the read's answer, not before.
        try h.get("/courses/\(Self.course)")
        try h.post("/courses/\(Self.course)", body: [#"{"sessionId":"x"}"#])
        #expect(try h.responses().isEmpty)
        h.fleet.answer(.success(Self.courseReply.encoded()))
        let responses = try h.responses()
        try #require(responses.map(\.0) == [.ok, .badRequest])
        #expect(responses[1].2 == #"{"error":"sessionId must be a UUID"}"#)
        #expect(h.router.parts.isEmpty)
    }

    @Test func postsTheRouterMustAnswerGoThere() throws {
        let h = try Harness()
        let json = Self.sessionJSON
        let tooLarge = String(repeating: " ", count: StatsLimits.default.maxBodyBytes) + json
        try h.post("/courses/\(Self.course)", body: [tooLarge])  // 413 is the router's
        h.router.respond(.payloadTooLarge)
        try h.post("/courses/\(Self.course)", body: [json], headers: [("Content-Length", "\(json.utf8.count)")])
        h.router.respond(.badRequest)  // no X-User-Id
        try h.post(
            "/courses/\(Self.course)", body: [json],
            headers: [("X-User-Id", Self.user), ("Transfer-Encoding", "chunked")])
        h.router.respond(.created)
        try h.post("/courses/\(Self.course)/sessions/\(Self.user)", body: [json])
        h.router.respond(.notFound)
        #expect(h.router.uris.count == 4)
        #expect(h.router.parts.count == 4 * 3)  // head, body, end: nothing dropped
        #expect(h.fleet.waiting.isEmpty)
    }

    @Test func plainPostSegmentsTakeOnePlainLengthWithinTheLimit() {
        func segments(_ uri: String, method: HTTPMethod = .POST, _ headers: [(String, String)]) -> [Substring]? {
            HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
                .plainPostSegments(maxLength: 10)
        }
        #expect(segments("/courses/c", [("Content-Length", "10")]) == ["courses", "c"])
        #expect(segments("/courses/c", [("Content-Length", "0")]) == ["courses", "c"])
        #expect(segments("/courses/c", [("Content-Length", "11")]) == nil)
        #expect(segments("/courses/c", [("Content-Length", "-1")]) == nil)
        #expect(segments("/courses/c", [("Content-Length", "1"), ("Content-Length", "1")]) == nil)
        #expect(segments("/courses/c", []) == nil)
        #expect(segments("/courses/c", [("Content-Length", "1"), ("Transfer-Encoding", "chunked")]) == nil)
        #expect(segments("/courses/c", [("Content-Length", "1"), ("Expect", "100-continue")]) == nil)
        #expect(segments("/courses/c", [("Content-Length", "1"), ("Connection", "close")]) == nil)
        #expect(segments("/courses/c?x", [("Content-Length", "1")]) == nil)
        #expect(segments("/courses/c", method: .PUT, [("Content-Length", "1")]) == nil)
    }

    @Test func theStepTrackersReadTakesNamesWithinTheLimit() {
        let route = StepsRoutes.eventLoopRequests(limits: StepsLimits(maxUsernameBytes: 4))
        func read(_ uri: String) -> EventLoopCommand? {
            guard case .command(let command) = route(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)) else {
                return nil
            }
            return command
        }
        #expect(read("/users/bob/steps")?.key == "bob")
        #expect(read("/users/bobby/steps") == nil)
        #expect(read("/users/bob/stepz") == nil)
        #expect(read("/users/bob") == nil)
        let user = UserSteps(cumulativeSteps: 7, ts: 2, appliedCount: 1)
        #expect(
            read("/users/bob/steps")?.answer(.success(StepsReply.user(user).encoded()))
                == JSONAnswer(StepsJSON.steps(user)))
        #expect(
            read("/users/bob/steps")?.answer(.success(StepsReply.user(nil).encoded()))
                == .error("User doesn't exist", status: .notFound))
    }

    @Test func datesAreIMFFixdates() {
        #expect(HTTPDateCache.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateCache.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateCache.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDateCache.format(1_796_586_580) == "Sun, 06 Dec 2026 19:49:40 GMT")
        #expect(HTTPDateCache.format(-1) == "Wed, 31 Dec 1969 23:59:59 GMT")
        var cache = HTTPDateCache()
        #expect(cache.value(secondsSinceEpoch: 0) == cache.value(secondsSinceEpoch: 0))
        #expect(cache.value(secondsSinceEpoch: 1) == "Thu, 01 Jan 1970 00:00:01 GMT")
    }
}
