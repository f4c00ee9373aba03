package import JSON

/// Field rules shared by the WebSocket decoder and the REST bodies, so both answer the same reasons.
extension LobbyLimits {
    /// A table name from JSON field `field` (named in the reason, e.g. `table.name`): a non-empty string of at most
    /// `maxNameBytes` UTF-8 bytes.
    package func name(from value: JSONValue?, field: String) throws(LobbyMessageError) -> String {
        guard let value else { throw LobbyMessageError(.missingField, "\(field) is missing") }
        guard case .string(let name) = value else {
            throw LobbyMessageError(.invalidField, "\(field) must be a string")
        }
        if let problem = problem(name: name) { throw LobbyMessageError(.invalidField, "\(field): \(problem)") }
        return name
    }

    /// A participant count from JSON field `field`: an integer from 0 to `maxParticipants` (`7.0` is `7`, as JSON
    /// does not tell them apart).
    package func participants(from value: JSONValue?, field: String) throws(LobbyMessageError) -> Int64 {
        guard let value else { throw LobbyMessageError(.missingField, "\(field) is missing") }
        guard case .number(let number) = value, number == number.rounded(.towardZero) else {
            throw LobbyMessageError(.invalidField, "\(field) must be an integer")
        }
        // Compared as doubles first: 1e300 is an integer but no Int64.
        guard number >= 0 else { throw LobbyMessageError(.invalidField, "\(field) must be >= 0") }
        guard number <= Double(maxParticipants), let participants = Int64(exactly: number) else {
            throw LobbyMessageError(.invalidField, "\(field) must be <= \(maxParticipants)")
        }
        return participants
    }

    /// A table id (or `after_id`) from JSON field `field`: an integer of magnitude at most 2^53. Any such integer is
    /// accepted, so that an unknown one is answered `addition_failed`, `update_failed` or `removal_failed` rather
    /// than `invalid_message`.
    package func id(from value: JSONValue?, field: String) throws(LobbyMessageError) -> Int64 {
        guard let value else { throw LobbyMessageError(.missingField, "\(field) is missing") }
        guard case .number(let number) = value, number == number.rounded(.towardZero) else {
            throw LobbyMessageError(.invalidField, "\(field) must be an integer")
        }
        guard number.magnitude <= Double(Self.maxSafeInteger), let id = Int64(exactly: number) else {
            throw LobbyMessageError(.invalidField, "\(field) must be between -2^53 and 2^53")
        }
        return id
    }
}
