import ArgumentParser
import Foundation
import JSON
import Lobby

/// `switchyard lobby-user`: adds a lobby user or changes a password and type, through the running fleet (the
/// supervisor relays the change to the worker that owns the lobby, wherever it runs). The password is hashed here;
/// only its PBKDF2 hash leaves this process.
struct LobbyUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lobby-user",
        abstract: "Add a lobby user or change a user's password and type, through the running fleet's supervisor.")

    @OptionGroup var target: FleetCommand.Target
    @Option(help: "The user's name.")
    var username: String
    @Option(help: "The password; read from standard input (one line) when omitted.")
    var password: String?
    @Option(help: "admin or user.")
    var type: String = "user"

    func validate() throws {
        guard LobbyUserType(rawValue: type) != nil else { throw ValidationError("--type must be admin or user") }
        guard !username.isEmpty, username.utf8.count <= LobbyLimits.default.maxCredentialBytes else {
            throw ValidationError("--username must be 1…\(LobbyLimits.default.maxCredentialBytes) bytes")
        }
    }

    func run() async throws {
        let secret = password ?? readLine(strippingNewline: true) ?? ""
        guard !secret.isEmpty, secret.utf8.count <= LobbyLimits.default.maxCredentialBytes else {
            // A longer password could never log in: the lobby refuses longer credentials unchecked.
            throw ValidationError("the password must be 1…\(LobbyLimits.default.maxCredentialBytes) bytes")
        }
        let hash = try LobbyPassword(hashing: secret)
        let body = JSONValue.object(
            JSONObject([("passwordHash", .string(hash.stored)), ("type", .string(type))]))
        // Any byte of a name may be in it: the path segment is percent-encoded.
        let segment = username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? username
        let response = try await target.send(
            "PUT", "/lobby/users/\(segment)", json: String(decoding: body.jsonBytes, as: UTF8.self))
        try target.finish(response)
    }
}
