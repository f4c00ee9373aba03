import JSON
import Lobby
import Testing

/// The per-connection rules of contracts §4: authentication first, ping always, failed login logs out, admin-only
/// changes, and answers in the order messages were sent.
@Suite struct LobbyConnectionTests {
    typealias Action = LobbyConnection.Action

    func send(_ connection: inout LobbyConnection, _ text: String) -> [Action] {
        connection.received(frame: Array(text.utf8))
    }

    /// A connection logged in as `type`.
    func loggedIn(_ type: LobbyUserType) -> LobbyConnection {
        var connection = LobbyConnection()
        #expect(
            connection.received(.success(.login(username: "u", password: "p")))
                == [.verifyLogin(username: "u", password: "p")])
        #expect(connection.loginResult(type) == [.reply(.loginSuccessful(userType: type))])
        #expect(connection.userType == type)
        return connection
    }

    /// A logged-in connection that subscribed.
    func subscribed(_ type: LobbyUserType) -> LobbyConnection {
        var connection = loggedIn(type)
        #expect(connection.received(.success(.subscribeTables)) == [.subscribe])
        #expect(connection.isSubscribed)
        #expect(connection.subscriptionStarted() == [])
        return connection
    }

    @Test func everythingButPingAndLoginNeedsALogin() {
        var connection = LobbyConnection()
        #expect(send(&connection, #"{"$type":"ping","seq":1}"#) == [.reply(.pong(seq: .number(1)))])
        for text in [
            #"{"$type":"subscribe_tables"}"#, #"{"$type":"unsubscribe_tables"}"#,
            #"{"$type":"add_table","after_id":-1,"table":{"name":"x","participants":1}}"#,
            #"{"$type":"update_table","table":{"id":1,"name":"x","participants":1}}"#,
            #"{"$type":"remove_table","id":1}"#,
        ] {
            #expect(send(&connection, text) == [.reply(.notAuthenticated)])
        }
        // Invalid input is invalid whatever the state.
        #expect(send(&connection, "nope") == [.reply(.invalidMessage(reason: "invalid JSON: " + parseReason("nope")))])
        #expect(send(&connection, #"{"$type":"remove_table"}"#) == [.reply(.invalidMessage(reason: "id is missing"))])
        #expect(!connection.isSubscribed)
        #expect(connection.userType == nil)
    }

    func parseReason(_ text: String) -> String {
        do {
            _ = try JSONParser.parse(text)
            return ""
        } catch {
            return error.reason
        }
    }

    @Test func aFailedLoginAnswersLoginFailed() {
        var connection = LobbyConnection()
        #expect(
            send(&connection, #"{"$type":"login","username":"admin","password":"x"}"#) == [
                .verifyLogin(username: "admin", password: "x")
            ])
        #expect(connection.isAwaiting)
        #expect(connection.loginResult(nil) == [.reply(.loginFailed)])
        #expect(connection.userType == nil)
        #expect(!connection.isAwaiting)
    }

    @Test func aFailedLoginLogsOutAndUnsubscribes() {
        var connection = subscribed(.admin)
        #expect(
            connection.received(.success(.login(username: "admin", password: "bad"))) == [
                .verifyLogin(username: "admin", password: "bad")
            ])
        // Unsubscribed before login_failed is sent: nothing more reaches a logged-out connection.
        #expect(connection.loginResult(nil) == [.unsubscribe, .reply(.loginFailed)])
        #expect(connection.userType == nil)
        #expect(!connection.isSubscribed)
        #expect(connection.received(.success(.subscribeTables)) == [.reply(.notAuthenticated)])
        #expect(connection.received(.success(.removeTable(id: 1))) == [.reply(.notAuthenticated)])
    }

    @Test func aSecondSuccessfulLoginChangesTheTypeAndKeepsTheSubscription() {
        var connection = subscribed(.admin)
        #expect(connection.received(.success(.login(username: "user", password: "user"))).count == 1)
        #expect(connection.loginResult(.user) == [.reply(.loginSuccessful(userType: .user))])
        #expect(connection.isSubscribed)
        #expect(connection.received(.success(.removeTable(id: 1))) == [.reply(.notAuthorized)])
    }

    @Test func overlongCredentialsFailWithoutAskingTheFleet() {
        var connection = loggedIn(.admin)
        let long = String(repeating: "x", count: 1025)
        #expect(connection.received(.success(.login(username: long, password: "p"))) == [.reply(.loginFailed)])
        #expect(connection.userType == nil)
        #expect(connection.received(.success(.login(username: "u", password: long))) == [.reply(.loginFailed)])
    }

    @Test func usersMayNotChangeTables() {
        var connection = loggedIn(.user)
        for message: LobbyClientMessage in [
            .addTable(afterID: -1, name: "x", participants: 1),
            .updateTable(LobbyTable(id: 1, name: "x", participants: 1)),
            .removeTable(id: 1),
        ] {
            #expect(connection.received(.success(message)) == [.reply(.notAuthorized)])
        }
        #expect(connection.received(.success(.ping(seq: .string("s")))) == [.reply(.pong(seq: .string("s")))])
        #expect(connection.received(.success(.subscribeTables)) == [.subscribe])
        #expect(connection.subscriptionStarted() == [])
        #expect(connection.received(.success(.unsubscribeTables)) == [.unsubscribe])
        #expect(!connection.isSubscribed)
    }

    @Test func adminChangesAreExecutedAndOnlyFailuresAnswered() {
        var connection = loggedIn(.admin)
        let add = LobbyCommand.add(afterID: 1, name: "x", participants: 2)
        #expect(connection.received(.success(.addTable(afterID: 1, name: "x", participants: 2))) == [.execute(add)])
        let table = LobbyTable(id: 3, name: "x", participants: 2)
        #expect(connection.commandResult(.changed(sequence: 9, event: .tableAdded(afterID: 1, table: table))) == [])
        #expect(connection.received(.success(.updateTable(table))) == [.execute(.update(table))])
        #expect(connection.commandResult(.failed(.updateFailed(id: 3))) == [.reply(.updateFailed(id: 3))])
        #expect(connection.received(.success(.removeTable(id: 8))) == [.execute(.remove(id: 8))])
        #expect(connection.commandResult(.failed(.removalFailed(id: 8))) == [.reply(.removalFailed(id: 8))])
        #expect(connection.received(.success(.addTable(afterID: 5, name: "x", participants: 2))).count == 1)
        #expect(connection.commandResult(.failed(.additionFailed(afterID: 5))) == [.reply(.additionFailed(afterID: 5))])
        #expect(connection.received(.success(.removeTable(id: 1))).count == 1)
        #expect(connection.commandResult(.failed(.invalid(reason: "r"))) == [.reply(.invalidMessage(reason: "r"))])
    }

    @Test func aMissingOrUnexpectedReplyIsTheCommandsFailure() {
        var connection = loggedIn(.admin)
        _ = connection.received(.success(.addTable(afterID: 4, name: "x", participants: 2)))
        #expect(connection.commandResult(nil) == [.reply(.additionFailed(afterID: 4))])
        _ = connection.received(.success(.updateTable(LobbyTable(id: 6, name: "x", participants: 1))))
        #expect(connection.commandResult(.userSet) == [.reply(.updateFailed(id: 6))])
        _ = connection.received(.success(.removeTable(id: 7)))
        #expect(connection.commandResult(.tables(sequence: 1, tables: [])) == [.reply(.removalFailed(id: 7))])
    }

    @Test func messagesWaitForAnOutstandingLoginAndAreAnsweredInOrder() {
        var connection = LobbyConnection()
        #expect(connection.received(.success(.login(username: "admin", password: "admin"))).count == 1)
        // Sent before the login is answered: processed after it, with its outcome.
        #expect(connection.received(.success(.ping(seq: .number(1)))) == [])
        #expect(connection.received(.success(.removeTable(id: 2))) == [])
        #expect(connection.received(.success(.ping(seq: .number(2)))) == [])
        #expect(connection.received(.failure(LobbyMessageError(.invalidJSON, "bad"))) == [])
        #expect(connection.queuedCount == 4)
        #expect(
            connection.loginResult(.admin) == [
                .reply(.loginSuccessful(userType: .admin)), .reply(.pong(seq: .number(1))), .execute(.remove(id: 2)),
            ])
        #expect(connection.queuedCount == 2)
        #expect(connection.received(.success(.subscribeTables)) == [])
        #expect(
            connection.commandResult(.failed(.removalFailed(id: 2))) == [
                .reply(.removalFailed(id: 2)), .reply(.pong(seq: .number(2))), .reply(.invalidMessage(reason: "bad")),
                .subscribe,
            ])
        #expect(connection.received(.success(.ping(seq: .number(3)))) == [])
        #expect(connection.subscriptionStarted() == [.reply(.pong(seq: .number(3)))])
        #expect(connection.queuedCount == 0)
        #expect(!connection.isAwaiting)
    }

    @Test func messagesQueuedBehindAFailedLoginAreNotAuthenticated() {
        var connection = LobbyConnection()
        _ = connection.received(.success(.login(username: "admin", password: "x")))
        #expect(connection.received(.success(.subscribeTables)) == [])
        #expect(connection.loginResult(nil) == [.reply(.loginFailed), .reply(.notAuthenticated)])
    }

    @Test func unsubscribingWhenNotSubscribedDoesNothing() {
        var connection = loggedIn(.user)
        #expect(connection.received(.success(.unsubscribeTables)) == [])
        var subscribedTwice = subscribed(.user)
        // A second subscribe asks for a fresh list.
        #expect(subscribedTwice.received(.success(.subscribeTables)) == [.subscribe])
        #expect(subscribedTwice.subscriptionStarted() == [])
        #expect(subscribedTwice.received(.success(.unsubscribeTables)) == [.unsubscribe])
        #expect(subscribedTwice.received(.success(.unsubscribeTables)) == [])
    }

    @Test func aRequestIsAlwaysTheLastActionOfAList() {
        var connection = loggedIn(.admin)
        var actions = connection.received(.success(.ping(seq: .number(1))))
        #expect(actions == [.reply(.pong(seq: .number(1)))])
        _ = connection.received(.success(.removeTable(id: 1)))
        for text in [
            #"{"$type":"ping","seq":2}"#, #"{"$type":"login","username":"a","password":"b"}"#,
            #"{"$type":"ping","seq":3}"#,
        ] {
            #expect(send(&connection, text) == [])
        }
        actions = connection.commandResult(.changed(sequence: 1, event: .tableRemoved(id: 1)))
        #expect(actions == [.reply(.pong(seq: .number(2))), .verifyLogin(username: "a", password: "b")])
        #expect(
            connection.loginResult(.user) == [
                .reply(.loginSuccessful(userType: .user)), .reply(.pong(seq: .number(3))),
            ])
    }
}
