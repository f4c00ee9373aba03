import ArgumentParser
import Foundation
import Lobby
import Storage
import Supervisor
import Wire

/// `switchyard lobby-user`: adds a lobby user or changes a password and type, in the data folder's lobby
/// partition (safe while the fleet runs: SQLite serialises the write with the worker's).
struct LobbyUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lobby-user",
        abstract: "Add a lobby user or change a user's password and type (in the fleet's data folder).")

    @Option(help: "The fleet's data folder.")
    var data: String = "./data"
    @Option(help: "The user's name.")
    var username: String
    @Option(help: "The password; read from standard input (one line) when omitted.")
    var password: String?
    @Option(help: "admin or user.")
    var type: String = "user"
    @Option(help: "Partition count, for a data folder no fleet has used yet (else read from its fleet.json).")
    var partitions: Int = 64

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
        let count = try dataFolderPartitionCount(data) ?? partitions
        let partition = Partitioner.partition(of: "lobby", count: count)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let path = (data as NSString).appendingPathComponent(PartitionDatabase.fileName(partition: partition))
        let database = try PartitionDatabase(path: path, partition: partition)
        let hash = try LobbyPassword(hashing: secret)
        try database.writeSync { db in
            try LobbyRepository.setUser(username, hash, LobbyUserType(rawValue: type) ?? .user, in: db)
        }
        try database.close()
        print("lobby user \(username) (\(type)) set in \(path)")
    }
}
