/// Why a gateway request to the fleet produced no reply.
package struct FleetRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Matchable reason.
    package enum Code: String, Sendable, Hashable {
        /// No reply before the deadline (no reachable owner, or the owner is down).
        case timeout
        /// The worker could not decode the command.
        case malformed
        /// The worker's storage failed and the command may not be retried.
        case failed
        /// The worker was lost while a non-idempotent command was in flight: it may or may not have been applied.
        case lost
        /// The gateway is shutting down.
        case shuttingDown
    }

    /// The reason.
    package var code: Code

    /// Creates an error.
    package init(_ code: Code) { self.code = code }

    /// The code's name.
    package var description: String { code.rawValue }
}
