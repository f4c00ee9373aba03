import ArgumentParser
import Foundation
import JSON
import Supervisor

/// `switchyard fleet …`: changes a running fleet through its supervisor's HTTP API (next to `/health`).
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Change a running fleet through its supervisor: add or remove workers, roll it onto a new binary.",
        subcommands: [AddWorker.self, RemoveWorker.self, Roll.self, Status.self])

    /// Where the supervisor's API is.
    struct Target: ParsableArguments {
        @Option(help: "The supervisor's health/API URL.")
        var supervisorURL: String = "http://127.0.0.1:9100"
        @Option(help: "The fleet's data folder, where the supervisor keeps control.token.")
        var data: String = "./data"
        @Option(
            help:
                "File holding the control token (default: control.token in --data; SWITCHYARD_CONTROL_TOKEN overrides)."
        )
        var controlTokenFile: String?

        /// The control token, from the environment or the token file; nil when there is none (the supervisor then
        /// answers 401 and says where to find it).
        func token() throws -> ControlToken? {
            if let text = ProcessInfo.processInfo.environment[ControlToken.environmentVariable] {
                guard let token = ControlToken(text) else {
                    throw ValidationError("\(ControlToken.environmentVariable) is not a valid token")
                }
                return token
            }
            let file = controlTokenFile ?? (data as NSString).appendingPathComponent(ControlToken.fileName)
            do { return try ControlToken.read(file: file) } catch { throw ValidationError("\(error)") }
        }

        func send(_ method: String, _ path: String, json: String? = nil) async throws -> SupervisorClient.Response {
            let client: SupervisorClient
            do { client = try SupervisorClient(url: supervisorURL) } catch { throw ValidationError("\(error)") }
            let token = try token()
            do {
                return try await client.send(method, path, json: json, bearer: token?.value)
            } catch {
                // Exit 2 (not 1, "unhealthy"): a script can tell a fleet it cannot reach from a fleet that is failing.
                FileHandle.standardError.write(
                    Data("switchyard: cannot reach the supervisor at \(supervisorURL): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }

        /// Prints the body and fails unless the status is 2xx.
        func finish(_ response: SupervisorClient.Response) throws {
            print(response.text)
            guard (200..<300).contains(response.status) else { throw ExitCode(1) }
        }
    }

    struct AddWorker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-worker",
            abstract: "Start one more worker; partitions move to it once it runs (watch `fleet status`).")
        @OptionGroup var target: Target
        @Option(help: "Its id (default: the first free wN).")
        var id: String?

        func run() async throws {
            let body = id.map { JSONValue.object(JSONObject([("id", .string($0))])).jsonString }
            try target.finish(try await target.send("POST", "/workers", json: body))
        }
    }

    struct RemoveWorker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-worker",
            abstract: "Move a worker's partitions to the others, then stop it (watch `fleet status`).")
        @OptionGroup var target: Target
        @Argument(help: "The worker's id.")
        var id: String

        func run() async throws {
            let path = "/workers/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
            try target.finish(try await target.send("DELETE", path))
        }
    }

    struct Roll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roll",
            abstract:
                "Replace every worker, then every gateway, one at a time, with a process of a new binary; nothing is lost (exit 1 if the roll stops)."
        )
        @OptionGroup var target: Target
        @Option(help: "The new executable, on the supervisor's host (default: this switchyard's own).")
        var binary: String?
        @Option(help: "Roll only the workers or only the gateways.")
        var only: String?
        @Option(
            help:
                "How long a replaced gateway serves before the next one goes: longer than your load balancer takes to put it back (nginx's fail_timeout)."
        )
        var gatewayPauseMs: Int = 6000
        @Flag(help: "Return once the roll has started instead of following it to its end.")
        var noWait = false

        func validate() throws {
            guard only == nil || ["workers", "gateways"].contains(only!) else {
                throw ValidationError("--only must be workers or gateways")
            }
        }

        func run() async throws {
            let path = URL(fileURLWithPath: binary ?? FleetOptions.currentExecutable()).standardizedFileURL.path
            var fields: [(String, JSONValue)] = [("binary", .string(path))]
            if let only { fields.append(("only", .string(only))) }
            fields.append(("gatewayPauseMs", .number(Double(gatewayPauseMs))))
            let started = try await target.send(
                "POST", "/fleet/roll", json: JSONValue.object(JSONObject(fields)).jsonString)
            try target.finish(started)
            guard !noWait else { return }
            var shown = ""
            while true {
                try await Task.sleep(for: .milliseconds(500))
                let health = try await target.send("GET", "/health")
                guard case .object(let report)? = try? JSONParser.parse(health.body),
                    case .object(let roll)? = report["roll"], case .string(let state)? = roll["state"]
                else { continue }
                let line =
                    "roll: \(state); replaced \(roll["replaced"]?.jsonString ?? "[]")"
                    + (roll["current"].map { $0 == .null ? "" : "; now \($0.jsonString)" } ?? "")
                if line != shown {
                    print(line)
                    shown = line
                }
                if state == "finished" { return }
                if state == "failed" {
                    if case .string(let reason)? = roll["reason"] { print("roll stopped: \(reason)") }
                    throw ExitCode(1)
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract:
                "Print the supervisor's /health report (exit 1 when unhealthy, 2 when the supervisor cannot be reached)."
        )
        @OptionGroup var target: Target

        func run() async throws {
            try target.finish(try await target.send("GET", "/health"))
        }
    }
}
