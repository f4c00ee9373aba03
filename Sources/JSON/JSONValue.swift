/// A parsed JSON value.
///
/// Numbers are always `Double`, as in JavaScript: integers are exact up to 2^53.
package enum JSONValue: Sendable, Hashable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// A number; never NaN or infinite when produced by ``JSONParser``.
    case number(Double)
    /// A string, with escapes decoded.
    case string(String)
    /// An array, in document order.
    case array([JSONValue])
    /// An object, keeping the order in which its keys first appeared.
    case object(JSONObject)
}
