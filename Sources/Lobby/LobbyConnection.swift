/// One lobby WebSocket connection's protocol state: a pure state machine that turns client messages, in the order
/// they arrived, into actions for the caller, and answers them in that same order (contracts §4).
///
/// Three actions are requests the connection waits for: `verifyLogin` (answer with `loginResult(_:)`), `execute`
/// (answer with `commandResult(_:)`) and `subscribe` (answer with `subscriptionStarted()`). A request is always the
/// last action of a returned list; messages received meanwhile are queued and processed only once it is answered,
/// so a caller that performs each returned list in order cannot reorder the replies.
///
/// Rules: an invalid message gets `invalid_message` whatever the state; `ping` and `login` are answered before a
/// login, every other message gets `not_authenticated`; a privileged message from a non-admin gets
/// `not_authorized`; a successful change is not answered (its event reaches subscribers, the sender too if it
/// subscribed). A failed login logs the connection out and also ends its subscription: the table list is for
/// authenticated users only, so a logged-out connection receives nothing more (`unsubscribe` precedes
/// `login_failed`).
package struct LobbyConnection: Sendable {
    /// What the caller must do, in order.
    package enum Action: Sendable, Hashable {
        /// Send this message to the client.
        case reply(LobbyServerMessage)
        /// Request: check these credentials (`LobbyCommand.authenticate`), then call `loginResult(_:)`.
        case verifyLogin(username: String, password: String)
        /// Request: send this change to the lobby's owner, then call `commandResult(_:)` with its reply.
        case execute(LobbyCommand)
        /// Request: register the connection as a subscriber and, atomically with respect to forwarded events, send it
        /// `table_list` of the current tables (once `LobbyMirror.hasList`); then call `subscriptionStarted()`. Also
        /// sent when already subscribed: the client asked for a fresh list.
        case subscribe
        /// Stop forwarding events to the connection, before anything else is sent to it.
        case unsubscribe
    }

    private enum Awaiting: Sendable, Hashable {
        case nothing
        case login
        case command(LobbyCommand)
        case subscription
    }

    /// The logged-in user's type, or nil before a successful login.
    package private(set) var userType: LobbyUserType?
    /// Whether the connection receives table events (set when `subscribe` is emitted, cleared when `unsubscribe`
    /// is); the caller unregisters a subscribed connection when it closes.
    package private(set) var isSubscribed = false
    /// Limits for credentials.
    package let limits: LobbyLimits
    private var awaiting = Awaiting.nothing
    private var queue: [Result<LobbyClientMessage, LobbyMessageError>] = []
    private var head = 0

    /// A new, unauthenticated connection.
    package init(limits: LobbyLimits = .default) { self.limits = limits }

    /// Whether a request is outstanding (later messages wait).
    package var isAwaiting: Bool { awaiting != .nothing }

    /// Messages received but not processed yet; a caller may close a connection that lets this grow.
    package var queuedCount: Int { queue.count - head }

    /// Takes the next message (or why it is invalid) and returns what to do now.
    package mutating func received(_ input: Result<LobbyClientMessage, LobbyMessageError>) -> [Action] {
        queue.append(input)
        return drain()
    }

    /// Decodes a text frame and takes it as `received(_:)` does.
    package mutating func received<Bytes: Collection<UInt8>>(frame: Bytes) -> [Action] {
        received(Result { () throws(LobbyMessageError) in try LobbyClientMessage(frame: frame, limits: limits) })
    }

    /// Answers `verifyLogin`: the user's type, or nil when the credentials are wrong or could not be checked.
    package mutating func loginResult(_ userType: LobbyUserType?) -> [Action] {
        guard awaiting == .login else {
            assertionFailure("loginResult without an outstanding verifyLogin")
            return []
        }
        awaiting = .nothing
        var actions: [Action] = []
        if let userType {
            self.userType = userType
            actions.append(.reply(.loginSuccessful(userType: userType)))
        } else {
            logOut(into: &actions)
        }
        return actions + drain()
    }

    /// Answers `execute` with the owner's reply, or nil when none came (deadline, owner unreachable): the sender then
    /// gets the command's failure message, as the change cannot be confirmed (if it was applied after all, its event
    /// still reaches subscribers). `changed` gets no answer.
    package mutating func commandResult(_ reply: LobbyReply?) -> [Action] {
        guard case .command(let command) = awaiting else {
            assertionFailure("commandResult without an outstanding execute")
            return []
        }
        awaiting = .nothing
        var actions: [Action] = []
        switch reply {
        case .changed?:
            break
        case .failed(let failure)?:
            actions.append(.reply(LobbyServerMessage(failure)))
        default:
            if let failure = Self.failure(of: command) { actions.append(.reply(LobbyServerMessage(failure))) }
        }
        return actions + drain()
    }

    /// Answers `subscribe`: the connection is registered and was sent its `table_list`.
    package mutating func subscriptionStarted() -> [Action] {
        guard awaiting == .subscription else {
            assertionFailure("subscriptionStarted without an outstanding subscribe")
            return []
        }
        awaiting = .nothing
        return drain()
    }

    /// Processes queued messages until one needs a request answered.
    private mutating func drain() -> [Action] {
        var actions: [Action] = []
        while awaiting == .nothing, head < queue.count {
            let input = queue[head]
            head += 1
            process(input, into: &actions)
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return actions
    }

    private mutating func process(_ input: Result<LobbyClientMessage, LobbyMessageError>, into actions: inout [Action])
    {
        let message: LobbyClientMessage
        switch input {
        case .failure(let error):
            actions.append(.reply(.invalidMessage(reason: error.reason)))
            return
        case .success(let decoded):
            message = decoded
        }
        switch message {
        case .ping(let seq):
            actions.append(.reply(.pong(seq: seq)))
            return
        case .login(let username, let password):
            guard username.utf8.count <= limits.maxCredentialBytes, password.utf8.count <= limits.maxCredentialBytes
            else {
                // No user can have such credentials (`LobbyUsers` refuses them): fail without asking the fleet.
                logOut(into: &actions)
                return
            }
            awaiting = .login
            actions.append(.verifyLogin(username: username, password: password))
            return
        default:
            break
        }
        guard let userType else {
            actions.append(.reply(.notAuthenticated))
            return
        }
        if message.isPrivileged && userType != .admin {
            actions.append(.reply(.notAuthorized))
            return
        }
        switch message {
        case .subscribeTables:
            isSubscribed = true
            awaiting = .subscription
            actions.append(.subscribe)
        case .unsubscribeTables:
            if isSubscribed {
                isSubscribed = false
                actions.append(.unsubscribe)
            }
        case .addTable(let afterID, let name, let participants):
            execute(.add(afterID: afterID, name: name, participants: participants), into: &actions)
        case .updateTable(let table):
            execute(.update(table), into: &actions)
        case .removeTable(let id):
            execute(.remove(id: id), into: &actions)
        case .ping, .login:
            break
        }
    }

    private mutating func execute(_ command: LobbyCommand, into actions: inout [Action]) {
        awaiting = .command(command)
        actions.append(.execute(command))
    }

    /// A failed login: logged out, and no longer subscribed.
    private mutating func logOut(into actions: inout [Action]) {
        userType = nil
        if isSubscribed {
            isSubscribed = false
            actions.append(.unsubscribe)
        }
        actions.append(.reply(.loginFailed))
    }

    /// The failure a command's sender gets when the owner's answer is missing or unexpected.
    private static func failure(of command: LobbyCommand) -> LobbyFailure? {
        switch command {
        case .add(let afterID, _, _): .additionFailed(afterID: afterID)
        case .update(let table): .updateFailed(id: table.id)
        case .remove(let id): .removalFailed(id: id)
        case .list, .authenticate, .credentials, .setUser: nil
        }
    }
}
