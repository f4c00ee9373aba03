internal import CZeroMQ

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Outcome of a libzmq call that may legitimately find nothing to do.
enum ZMQCallResult: Equatable {
    /// The call succeeded and returned this value.
    case processed(Int32)
    /// `EAGAIN`: nothing to receive, or the send would block.
    case wouldBlock
}

/// Runs one libzmq call the way swift-nio's `syscall(blocking:where:_:)` runs a syscall: retries `EINTR`,
/// reports `EAGAIN` as `.wouldBlock` when the caller expects it (`blocking: true`), and otherwise throws
/// a `ZMQError` with `zmq_errno()` read immediately after the call, before anything else can clobber it.
@inline(__always)
@discardableResult
func zmqCall(
    blocking: Bool = false,
    where function: @autoclosure () -> String,
    _ body: () -> Int32
) throws(ZMQError) -> ZMQCallResult {
    while true {
        let result = body()
        if result != -1 {
            return .processed(result)
        }
        let code = zmq_errno()
        switch code {
        case EINTR:
            continue
        case EAGAIN where blocking:
            return .wouldBlock
        default:
            throw ZMQError(code: code, operation: function())
        }
    }
}

/// The pointer-returning flavour (`zmq_ctx_new`, `zmq_socket`): `nil` means failure with errno set.
@inline(__always)
func zmqCall(
    where function: @autoclosure () -> String,
    _ body: () -> UnsafeMutableRawPointer?
) throws(ZMQError) -> UnsafeMutableRawPointer {
    while true {
        if let pointer = body() {
            return pointer
        }
        let code = zmq_errno()
        if code == EINTR {
            continue
        }
        throw ZMQError(code: code, operation: function())
    }
}
