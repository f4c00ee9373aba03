/// Appends compact JSON text to a byte buffer, inserting `,` and `:` automatically.
///
/// The caller is responsible for balanced `begin…`/`end…` calls and for giving each object value a ``key(_:)``.
package struct JSONWriter: Sendable {
    /// The UTF-8 text written so far.
    package var bytes: [UInt8]
    /// Whether the next key or value follows a sibling and so needs a comma.
    private var needsComma = false
    /// Whether `<`, `>` and `&` in strings are written as `\u003c`, `\u003e`, `\u0026`.
    private let escapesHTML: Bool

    /// Creates an empty writer with room for `capacity` bytes. With `escapingHTML`, strings never contain `<`, `>`
    /// or `&` literally (the same JSON to a parser), so a client that inserts a message into a page as HTML cannot
    /// be made to run markup another user put in a name.
    package init(capacity: Int = 128, escapingHTML: Bool = false) {
        bytes = []
        bytes.reserveCapacity(capacity)
        escapesHTML = escapingHTML
    }

    /// Writes `{`.
    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes `}`.
    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object key and its `:`.
    package mutating func key(_ k: String) {
        separate()
        appendQuoted(k)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string, escaping `"`, `\` and control characters (and, if the writer escapes HTML, `<`, `>`, `&`).
    package mutating func value(_ s: String) {
        separate()
        appendQuoted(s)
        needsComma = true
    }

    /// Writes a number as JavaScript would; NaN and infinities become `null`.
    package mutating func value(_ d: Double) {
        separate()
        if d.isFinite {
            JSONNumberFormat.append(d, to: &bytes)
        } else {
            appendNull()
        }
        needsComma = true
    }

    /// Writes an integer.
    package mutating func value(_ i: Int) {
        separate()
        JSONNumberFormat.append(Int64(i), to: &bytes)
        needsComma = true
    }

    /// Writes `true` or `false`.
    package mutating func value(_ b: Bool) {
        separate()
        if b {
            bytes.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            bytes.append(contentsOf: [
                UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "e"),
            ])
        }
        needsComma = true
    }

    /// Writes `null`.
    package mutating func null() {
        separate()
        appendNull()
        needsComma = true
    }

    /// Writes a whole value, objects in their key order.
    package mutating func value(_ v: JSONValue) {
        switch v {
        case .null:
            null()
        case .bool(let b):
            value(b)
        case .number(let d):
            value(d)
        case .string(let s):
            value(s)
        case .array(let elements):
            beginArray()
            for element in elements {
                value(element)
            }
            endArray()
        case .object(let object):
            beginObject()
            for entry in object.entries {
                key(entry.key)
                value(entry.value)
            }
            endObject()
        }
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendNull() {
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
        if done == nil {
            Array(s.utf8).withUnsafeBufferPointer { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for i in 0..<utf8.count {
            let byte = utf8[i]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard escapesHTML, byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
                else { continue }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                let hexDigits: StaticString = "0123456789abcdef"
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hexDigits.utf8Start[Int(byte >> 4)])
                bytes.append(hexDigits.utf8Start[Int(byte & 0xF)])
            }
            runStart = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
    }
}
