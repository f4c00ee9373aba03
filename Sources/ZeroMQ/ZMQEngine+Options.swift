internal import CZeroMQ

extension ZMQEngine.Loop {
    /// Creates a socket, applies its options and endpoints; closes it again if any step fails.
    func open(
        _ id: ZMQSocketID,
        _ type: ZMQSocketType,
        options: ZMQSocketOptions,
        bind: [String],
        connect: [String]
    ) throws(ZMQError) -> Socket {
        let handle = try zmqCall(where: "zmq_socket(\(type))") { zmq_socket(context, type.rawValue) }
        do {
            try apply(options, to: handle)
            for endpoint in bind {
                try apply(.bind(endpoint), to: handle)
            }
            for endpoint in connect {
                try apply(.connect(endpoint), to: handle)
            }
        } catch {
            _ = zmq_close(handle)
            throw error
        }
        return Socket(
            id: id, type: type, handle: handle, linger: options.lingerMilliseconds,
            peerUserIDFrame: options.peerUserIDFrame, coalesce: options.coalesce)
    }

    /// Applies creation-time options; linger first, so a socket closed after a later failure cannot stall
    /// `zmq_ctx_term`.
    func apply(_ options: ZMQSocketOptions, to handle: UnsafeMutableRawPointer) throws(ZMQError) {
        try set(ZMQ_LINGER, options.lingerMilliseconds, "ZMQ_LINGER", on: handle)
        try set(ZMQ_SNDHWM, options.sendHighWaterMark, "ZMQ_SNDHWM", on: handle)
        try set(ZMQ_RCVHWM, options.receiveHighWaterMark, "ZMQ_RCVHWM", on: handle)
        try set(ZMQ_RECONNECT_IVL, options.reconnectIntervalMilliseconds, "ZMQ_RECONNECT_IVL", on: handle)
        try set(ZMQ_RECONNECT_IVL_MAX, options.reconnectIntervalMaxMilliseconds, "ZMQ_RECONNECT_IVL_MAX", on: handle)
        var maxMessageSize = options.maxMessageSize >= 0 ? options.maxMessageSize : self.maxMessageSize
        try zmqCall(where: "zmq_setsockopt(ZMQ_MAXMSGSIZE)") {
            zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &maxMessageSize, MemoryLayout<Int64>.size)
        }
        // The rest are set only when asked for: libzmq rejects some of them on socket types they do not fit.
        if let identity = options.identity {
            try set(ZMQ_ROUTING_ID, identity, "ZMQ_ROUTING_ID", on: handle)
        }
        if options.routerMandatory {
            try set(ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY", on: handle)
        }
        if options.immediate {
            try set(ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE", on: handle)
        }
        if options.heartbeatIntervalMilliseconds > 0 {
            try set(ZMQ_HEARTBEAT_IVL, options.heartbeatIntervalMilliseconds, "ZMQ_HEARTBEAT_IVL", on: handle)
        }
        for topic in options.subscriptions {
            try set(ZMQ_SUBSCRIBE, topic, "ZMQ_SUBSCRIBE", on: handle)
        }
        try apply(options.security, to: handle)
    }

    /// Sets the CURVE options; an invalid key is refused by libzmq with `EINVAL`.
    private func apply(_ security: ZMQSecurity, to handle: UnsafeMutableRawPointer) throws(ZMQError) {
        switch security {
        case .none:
            break
        case .curveServer(let keys):
            try set(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER", on: handle)
            try set(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8), "ZMQ_CURVE_SECRETKEY", on: handle)
            // A domain makes libzmq ask the ZAP handler about every connection, not only when it is bound.
            try set(ZMQ_ZAP_DOMAIN, Array(ZMQCurveAuthenticator.domain.utf8), "ZMQ_ZAP_DOMAIN", on: handle)
        case .curveClient(let keys, let serverKey):
            try set(ZMQ_CURVE_SERVERKEY, Array(serverKey.utf8), "ZMQ_CURVE_SERVERKEY", on: handle)
            try set(ZMQ_CURVE_PUBLICKEY, Array(keys.publicKey.utf8), "ZMQ_CURVE_PUBLICKEY", on: handle)
            try set(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8), "ZMQ_CURVE_SECRETKEY", on: handle)
        }
    }

    /// Runs one endpoint or subscription change.
    func apply(_ update: ZMQEngine.SocketUpdate, to handle: UnsafeMutableRawPointer) throws(ZMQError) {
        switch update {
        case .bind(let endpoint):
            try zmqCall(where: update.operation) { zmq_bind(handle, endpoint) }
        case .connect(let endpoint):
            try zmqCall(where: update.operation) { zmq_connect(handle, endpoint) }
        case .disconnect(let endpoint):
            try zmqCall(where: update.operation) { zmq_disconnect(handle, endpoint) }
        case .subscribe(let topic):
            try set(ZMQ_SUBSCRIBE, topic, update.operation, on: handle)
        case .unsubscribe(let topic):
            try set(ZMQ_UNSUBSCRIBE, topic, update.operation, on: handle)
        }
    }

    /// `ZMQ_LAST_ENDPOINT` as a string.
    func lastEndpoint(of handle: UnsafeMutableRawPointer) throws(ZMQError) -> String {
        var buffer = [UInt8](repeating: 0, count: 1024)
        var size = buffer.count
        try zmqCall(where: "zmq_getsockopt(ZMQ_LAST_ENDPOINT)") {
            zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    private func set(_ option: Int32, _ value: Int32, _ name: String, on handle: UnsafeMutableRawPointer)
        throws(ZMQError)
    {
        var value = value
        try zmqCall(where: "zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
        }
    }

    private func set(_ option: Int32, _ bytes: [UInt8], _ name: String, on handle: UnsafeMutableRawPointer)
        throws(ZMQError)
    {
        // An empty array may have no storage, and libzmq wants a valid pointer even for zero bytes.
        let storage = bytes.isEmpty ? [0] : bytes
        try zmqCall(where: "zmq_setsockopt(\(name))") {
            storage.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, bytes.count) }
        }
    }
}
