/// Why an update frame is invalid; sent as `{"$type":"rejected",…}` to `?ack=1` clients, otherwise ignored.
public struct StepsRejection: Error, Sendable, Hashable {
    /// The frame's `update_id` when it was a string (echoed in the rejection), else nil.
    public var updateID: String?
    /// Human-readable reason.
    public var error: String

    /// Creates a rejection.
    public init(updateID: String?, error: String) {
        self.updateID = updateID
        self.error = error
    }
}
