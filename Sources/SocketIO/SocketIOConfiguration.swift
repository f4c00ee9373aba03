/// Settings of a Socket.IO connection.
package struct SocketIOConfiguration: Sendable, Hashable {
    /// Time a client has to join the default namespace before the connection is closed (JS `connectTimeout`);
    /// without it an idle Engine.IO session answering pings would live forever.
    package var connectTimeout: Duration
    /// Whether an EVENT carrying an ack id is answered at once with `3<id>[]`. When false the application must
    /// answer every such event with ``SocketIOConnection/acknowledge(_:with:)``, or the client's `emitWithAck` /
    /// `sio.call` waits until its own timeout.
    package var acknowledgesAutomatically: Bool

    /// Creates settings.
    package init(connectTimeout: Duration = .seconds(45), acknowledgesAutomatically: Bool = true) {
        self.connectTimeout = connectTimeout
        self.acknowledgesAutomatically = acknowledgesAutomatically
    }

    /// The defaults: 45 s to connect, automatic empty acks.
    package static let `default` = SocketIOConfiguration()
}
