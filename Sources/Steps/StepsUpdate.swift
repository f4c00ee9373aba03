/// A valid step update (contracts §1), as sent by a client over the WebSocket.
package struct StepsUpdate: Sendable, Hashable {
    /// Client-chosen id; an id already applied for this user is not applied again.
    package var updateID: String
    /// The user; 1–256 bytes of UTF-8.
    package var username: String
    /// Client timestamp; becomes the user's `ts`.
    package var ts: Double
    /// Steps to add; finite and ≥ 0.
    package var newSteps: Double

    /// Creates an update; callers validate first (`StepsValidator`).
    package init(updateID: String, username: String, ts: Double, newSteps: Double) {
        self.updateID = updateID
        self.username = username
        self.ts = ts
        self.newSteps = newSteps
    }
}
