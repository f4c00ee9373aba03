import Foundation
import NIOCore
package import ServiceLifecycle

/// A process's listening service (an HTTP or WebSocket port) whose failure names what it is and where it was to
/// listen, so that a taken port reads "gateway g1 cannot listen on 0.0.0.0:8080 for steps REST: Address already in
/// use" instead of NIO's bare `bind(descriptor:ptr:bytes:)`.
package struct ListenerService: Service {
    /// The process, as the message names it ("gateway g1", "supervisor").
    package let process: String
    /// What the port is for ("steps REST", "/health and the control API").
    package let purpose: String
    /// The address and port it binds.
    package let host: String
    package let port: Int
    let inner: any Service

    /// Wraps `inner`, the service that binds `host:port`.
    package init(_ inner: any Service, process: String, purpose: String, host: String, port: Int) {
        self.inner = inner
        self.process = process
        self.purpose = purpose
        self.host = host
        self.port = port
    }

    package func run() async throws {
        do {
            try await inner.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ListenerFailure(listener: self, cause: error)
        }
    }
}

/// Why a listener stopped: which process, which port, what for, and the system's reason.
package struct ListenerFailure: Error, CustomStringConvertible {
    /// The listener that failed.
    package let process: String
    package let purpose: String
    package let host: String
    package let port: Int
    /// The underlying error.
    package let cause: any Error

    init(listener: ListenerService, cause: any Error) {
        self.process = listener.process
        self.purpose = listener.purpose
        self.host = listener.host
        self.port = listener.port
        self.cause = cause
    }

    package var description: String {
        let reason: String
        if let io = cause as? IOError {
            // NIO's own text names the system call, not the port; the errno's text is what an operator needs.
            reason = "\(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
        } else {
            reason = "\(cause)"
        }
        return "\(process) cannot listen on \(host):\(port) for \(purpose): \(reason)"
    }
}
