import NIOCore

/// Bytes the connection guard writes itself, below the HTTP and WebSocket stacks: an HTTP error answer with the
/// products' JSON error body, and server WebSocket control frames.
enum EdgeResponse {
    /// `HTTP/1.1 <status>` with `{"error": message}`, `Connection: close`.
    static func http(_ status: Int, _ reason: String, message: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = ErrorJSON.body(message)
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count)
        buffer.writeString("HTTP/1.1 \(status) \(reason)\r\n")
        buffer.writeString("Content-Type: application/json; charset=utf-8\r\n")
        buffer.writeString("Content-Length: \(body.utf8.count)\r\nConnection: close\r\n")
        if status == 503 { buffer.writeString("Retry-After: 1\r\n") }
        buffer.writeString("\r\n")
        buffer.writeString(body)
        return buffer
    }

    /// A server close frame (unmasked) with `code` and a short reason.
    static func close(code: UInt16, reason: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let text = Array(reason.utf8.prefix(123))
        var buffer = allocator.buffer(capacity: 4 + text.count)
        buffer.writeInteger(UInt8(0x88))
        buffer.writeInteger(UInt8(2 + text.count))
        buffer.writeInteger(code)
        buffer.writeBytes(text)
        return buffer
    }

    /// An empty server ping frame.
    static func ping(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 2)
        buffer.writeInteger(UInt8(0x89))
        buffer.writeInteger(UInt8(0))
        return buffer
    }
}
