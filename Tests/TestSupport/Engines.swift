package import Logging
package import ZeroMQ

/// A ZeroMQ engine for one test, named after it, logging warnings and worse only.
package func makeEngine(_ name: String = #function, outboundQueueLimit: Int = 1_000_000) -> ZMQEngine {
    var logger = Logger(label: "tests")
    logger.logLevel = .warning
    return ZMQEngine(name: name, logger: logger, outboundQueueLimit: outboundQueueLimit)
}
