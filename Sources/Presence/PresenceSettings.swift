/// The presence settings, read from the environment under the original server's names (contracts §3).
package struct PresenceSettings: Sendable, Hashable {
    /// `ACCESS_KEY`: the key every user endpoint requires.
    package var accessKey: String
    /// `ACCESS_KEY_SYSTEM`: the key `/database/clear` requires.
    package var systemKey: String
    /// `STATUS_UPDATE_INTERVAL`: longest time between two broadcasts of the list and counts.
    package var updateInterval: Duration
    /// `STATUS_LIFETIME_ACTIVE`: time without a ping after which a user turns away.
    package var lifetimeActive: Duration
    /// `STATUS_LIFETIME_AWAY`: time an away user stays listed before being removed.
    package var lifetimeAway: Duration

    /// Creates settings; the defaults are the original's.
    package init(
        accessKey: String = "1", systemKey: String = "777", updateInterval: Duration = .seconds(3),
        lifetimeActive: Duration = .seconds(10), lifetimeAway: Duration = .seconds(20)
    ) {
        self.accessKey = accessKey
        self.systemKey = systemKey
        self.updateInterval = updateInterval
        self.lifetimeActive = lifetimeActive
        self.lifetimeAway = lifetimeAway
    }

    /// The environment variables this type reads.
    package static let environmentNames = [
        "ACCESS_KEY", "ACCESS_KEY_SYSTEM", "STATUS_UPDATE_INTERVAL", "STATUS_LIFETIME_ACTIVE", "STATUS_LIFETIME_AWAY",
    ]

    /// Settings from `environment`; unset variables keep their defaults. Durations are seconds (fractions allowed).
    package init(environment: [String: String]) throws(PresenceSettingsError) {
        self.init()
        func seconds(_ name: String, default value: Duration) throws(PresenceSettingsError) -> Duration {
            guard let text = environment[name] else { return value }
            guard let number = Double(text), number.isFinite, number > 0, number <= 86_400 * 365 else {
                throw PresenceSettingsError(name: name, value: text)
            }
            return .milliseconds(Int64((number * 1000).rounded()))
        }
        if let key = environment["ACCESS_KEY"] { accessKey = key }
        if let key = environment["ACCESS_KEY_SYSTEM"] { systemKey = key }
        updateInterval = try seconds("STATUS_UPDATE_INTERVAL", default: updateInterval)
        lifetimeActive = try seconds("STATUS_LIFETIME_ACTIVE", default: lifetimeActive)
        lifetimeAway = try seconds("STATUS_LIFETIME_AWAY", default: lifetimeAway)
    }
}

/// An environment variable whose value is not a positive number of seconds.
package struct PresenceSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The variable.
    package var name: String
    /// Its value.
    package var value: String

    /// Says which variable and why.
    package var description: String { "\(name)=\(value) is not a positive number of seconds" }
}
