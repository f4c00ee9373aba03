/// Strict RFC 8259 parsing of UTF-8 JSON text into ``JSONValue``.
///
/// Rejects everything the RFC does not allow (trailing commas, leading zeros, `NaN`, unescaped control
/// characters, lone surrogates, invalid UTF-8, trailing data) and numbers that overflow `Double`.
/// Nesting is tracked on the heap, so ``JSONLimits/maxDepth`` bounds memory, not the call stack.
package enum JSONParser {
    /// Parses one JSON document from UTF-8 bytes; contiguous collections (`[UInt8]`, `ArraySlice`,
    /// NIO's `ByteBufferView`, …) are read in place, others are copied first.
    @inlinable
    package static func parse<Bytes: Collection<UInt8>>(
        _ bytes: Bytes,
        limits: JSONLimits = .init()
    ) throws(JSONParseError) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable({ parse(buffer: $0, limits: limits) }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { parse(buffer: $0, limits: limits) }.get()
    }

    /// Parses one JSON document from a string's UTF-8 form; error offsets are UTF-8 byte offsets.
    package static func parse(_ text: String, limits: JSONLimits = .init()) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parse(buffer: $0, limits: limits) }.get()
    }

    @usableFromInline
    static func parse(buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits) -> Result<JSONValue, JSONParseError> {
        var state = State(buffer: buffer, maxDepth: limits.maxDepth)
        do {
            return .success(try state.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
