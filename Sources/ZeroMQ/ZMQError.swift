internal import CZeroMQ

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A failed libzmq call (or engine operation) with its errno, matchable by `code`.
package struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errno value as libzmq reports it (`zmq_errno()`); compare with the `ZMQError.Code` constants.
    package var code: Int32
    /// The call or engine operation that failed, e.g. `zmq_bind(tcp://…)`.
    package var operation: String

    /// Makes an error; the engine builds these, tests and fakes may too.
    package init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// `operation: message (code)`, with libzmq's text for the code.
    package var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (\(code))"
    }

    /// Well-known codes, named so callers need not import libc or libzmq.
    package enum Code {
        /// `EAGAIN`: would block.
        package static let again: Int32 = EAGAIN
        /// `EINVAL`: bad argument, option or endpoint.
        package static let invalidArgument: Int32 = EINVAL
        /// `EPROTONOSUPPORT`: unknown transport in an endpoint.
        package static let protocolNotSupported: Int32 = EPROTONOSUPPORT
        /// `EADDRINUSE`: endpoint already bound.
        package static let addressInUse: Int32 = EADDRINUSE
        /// `EADDRNOTAVAIL`: the address is not local.
        package static let addressNotAvailable: Int32 = EADDRNOTAVAIL
        /// `ENOENT`: e.g. disconnecting from an endpoint never connected.
        package static let notFound: Int32 = ENOENT
        /// `EHOSTUNREACH`: a mandatory ROUTER has no peer with that routing id.
        package static let hostUnreachable: Int32 = EHOSTUNREACH
        /// `ENOTSOCK`: the socket id is unknown or already closed.
        package static let notSocket: Int32 = ENOTSOCK
        /// `ETERM`: the engine is shutting down or shut down.
        package static let terminated: Int32 = ETERM
    }

    /// The call would have blocked.
    package var isAgain: Bool { code == Code.again }
    /// The engine is shutting down or has shut down.
    package var isTerminated: Bool { code == Code.terminated }
    /// The socket id is unknown or closed.
    package var isNotSocket: Bool { code == Code.notSocket }
    /// A mandatory ROUTER could not route to the peer.
    package var isHostUnreachable: Bool { code == Code.hostUnreachable }
}
