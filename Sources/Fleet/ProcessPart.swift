package import ServiceLifecycle

/// One long-running part of a process, run as a service and named in its service group's logs. It stops when the
/// group shuts down gracefully (cancelled then, unless it waits for the shutdown itself, `cancelOnShutdown`
/// false); a part that ends early or throws stops the process, unless its service configuration says otherwise.
package struct ProcessPart: Service, CustomStringConvertible {
    package let description: String
    private let cancelOnShutdown: Bool
    private let body: @Sendable () async throws -> Void

    /// A part running `body`.
    package init(
        _ description: String, cancelOnShutdown: Bool = true, _ body: @escaping @Sendable () async throws -> Void
    ) {
        self.description = description
        self.cancelOnShutdown = cancelOnShutdown
        self.body = body
    }

    package func run() async throws {
        do {
            if cancelOnShutdown {
                try await cancelWhenGracefulShutdown { try await body() }
            } else {
                try await body()
            }
        } catch is CancellationError {
            // Stopped by the group: not a failure.
        }
    }
}
