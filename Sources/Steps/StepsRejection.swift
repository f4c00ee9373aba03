/// Why an update frame is invalid; sent as `{"$type":"rejected",…}` to `?ack=1` clients, otherwise ignored.
package struct StepsRejection: Error, Sendable, Hashable {
    /// The frame's `update_id` when it was a string (echoed in the rejection), else nil.
    package var updateID: String?
    /// Human-readable reason.
    package var error: String

    /// Creates a rejection.
    package init(updateID: String?, error: String) {
        self.updateID = updateID
        self.error = error
    }
}
