import ArgumentParser
import Fleet
import Foundation
import Supervisor

/// `switchyard keys`: the fleet's CURVE keys, kept in the supervisor's data folder (docs/operations.md, "Fleet keys").
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make, replace and list the fleet's ZeroMQ keys (run on the supervisor's host).",
        subcommands: [Issue.self, Rotate.self, List.self])

    /// Options every subcommand takes.
    struct Location: ParsableArguments {
        @Option(help: "The supervisor's data folder (its keys are in keys/).")
        var data: String = "./data"

        var folder: FleetKeyFolder { FleetKeyFolder(dataDirectory: data) }
    }

    /// `switchyard keys issue ID`.
    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make the key of a process of another host: prints its key file (or writes it to --out) for that host's --key-file; the supervisor lets it in at once."
        )

        @Argument(help: "The process id (w3, g2, …).")
        var id: String
        @OptionGroup var location: Location
        @Option(help: "Write the key file here (owner-readable only) instead of printing it.")
        var out: String?

        func run() throws {
            let folder = location.folder
            guard !folder.isIssued(id), !FileManager.default.fileExists(atPath: folder.keyFile(of: id)) else {
                throw ValidationError("\(id) has a key already; `switchyard keys rotate \(id)` replaces it")
            }
            try deliver(try issue(id, in: folder), to: out)
        }
    }

    /// `switchyard keys rotate ID`.
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Replace a process's key. One of this host is restarted by the supervisor with its new key; for one of another host the new key file is printed (or written to --out): install it there and restart the process."
        )

        @Argument(help: "The process id.")
        var id: String
        @OptionGroup var location: Location
        @Option(help: "For a process of another host: write its new key file here instead of printing it.")
        var out: String?

        func run() throws {
            let folder = location.folder
            if folder.isIssued(id) {
                try deliver(try issue(id, in: folder), to: out)
            } else {
                do { try folder.rotateLocal(id) } catch { throw ValidationError(error.description) }
                print("\(id): new key in \(folder.keyFile(of: id)); the supervisor restarts \(id) with it")
            }
        }
    }

    /// `switchyard keys list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every process's public key.")

        @OptionGroup var location: Location

        func run() throws {
            let folder = location.folder
            let supervisor: String
            do { supervisor = try folder.supervisorKeys().publicKey } catch { throw ValidationError(error.description) }
            print("supervisor  \(supervisor)")
            let (keys, problems) = folder.publicKeys()
            for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
                print("\(id)  \(key)  \(folder.isIssued(id) ? "other host" : "this host")")
            }
            for problem in problems { FileHandle.standardError.write(Data("unusable: \(problem)\n".utf8)) }
        }
    }
}

private func issue(_ id: String, in folder: FleetKeyFolder) throws -> FleetKeyFile {
    do { return try folder.issue(for: id) } catch { throw ValidationError(error.description) }
}

/// Prints a key file, or writes it to `path` and says so on standard error.
private func deliver(_ file: FleetKeyFile, to path: String?) throws {
    guard let path else { return print(file.text, terminator: "") }
    do { try file.write(to: path) } catch { throw ValidationError(error.description) }
    FileHandle.standardError.write(
        Data(
            "\(file.process): key file written to \(path); give it to that host's process as --key-file (public key \(file.keys.publicKey))\n"
                .utf8))
}
