extension JSONValue {
    /// The value as compact UTF-8 JSON text.
    package var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The value as compact JSON text.
    package var jsonString: String {
        String(decoding: jsonBytes, as: UTF8.self)
    }
}
