/// A valid step update (contracts §1), as sent by a client over the WebSocket.
public struct StepsUpdate: Sendable, Hashable {
    /// Client-chosen id; an id already applied for this user is not applied again.
    public var updateID: String
    /// The user; 1–256 bytes of UTF-8.
    public var username: String
    /// Client timestamp; becomes the user's `ts`.
    public var ts: Double
    /// Steps to add; finite and ≥ 0.
    public var newSteps: Double

    /// Creates an update; callers validate first (`StepsValidator`).
    public init(updateID: String, username: String, ts: Double, newSteps: Double) {
        self.updateID = updateID
        self.username = username
        self.ts = ts
        self.newSteps = newSteps
    }
}
