/// How a socket authenticates its peers and encrypts its traffic (ZMTP security mechanisms, RFC 26 CURVE).
package enum ZMQSecurity: Sendable, Hashable {
    /// No security mechanism (ZMTP NULL): anyone who reaches the endpoint is a peer.
    case none
    /// The CURVE server side (the socket that binds): its key pair; which clients are let in is the engine's
    /// `ZMQCurveAuthenticator`'s decision.
    case curveServer(ZMQCurveKeyPair)
    /// The CURVE client side (the socket that connects): its own key pair and the server's public key, which it
    /// must know beforehand (that is what makes the server impossible to impersonate).
    case curveClient(ZMQCurveKeyPair, serverKey: String)
}
