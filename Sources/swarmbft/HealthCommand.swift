import ArgumentParser
import Foundation
import SwarmTopology

/// `swarmbft health`: the compose healthcheck. A node rewrites `status.json` every
/// second, so a file older than a few seconds means a hung or dead node even when the
/// process is still there.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Exit 0 if the replica's status.json is fresh and says it is running.")
    @Option(help: "The replica's data directory.") var dataDir: String
    @Option(help: "Oldest acceptable status.json, in seconds.") var maxAgeSeconds: Double = 5

    /// The states `NodeStatus.status` takes while the node runs its protocol loop.
    static let runningStates: Set<String> = ["normal", "changing-view"]

    func run() throws {
        guard maxAgeSeconds > 0 else { throw ValidationError("--max-age-seconds must be positive") }
        switch Self.verdict(path: dataDir + "/status.json", now: Date(), maxAgeSeconds: maxAgeSeconds) {
        case let .healthy(line): print(line)
        case let .unhealthy(line):
            print("unhealthy: \(line)")
            throw ExitCode(1)
        }
    }

    enum Verdict: Equatable {
        case healthy(String)
        case unhealthy(String)
    }

    static func verdict(path: String, now: Date, maxAgeSeconds: Double) -> Verdict {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let modified = attributes[.modificationDate] as? Date else {
            return .unhealthy("\(path) is missing")
        }
        let age = now.timeIntervalSince(modified)
        guard age <= maxAgeSeconds else {
            return .unhealthy("\(path) is stale by \(Int(age.rounded())) s (limit \(Int(maxAgeSeconds)) s)")
        }
        let status: NodeStatus
        do { status = try JSONDecoder().decode(NodeStatus.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            return .unhealthy("\(path) is malformed: \(reason(error))")
        }
        guard runningStates.contains(status.status) else {
            return .unhealthy("replica \(status.replica) reports status '\(status.status)', not running")
        }
        return .healthy("replica \(status.replica) \(status.status), view \(status.view), last executed \(status.lastExecuted), status \(String(format: "%.1f", age)) s old")
    }

    /// One line for a decoding failure (the default description spans a paragraph).
    static func reason(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): "no field '\(key.stringValue)'"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted: "not JSON"
        default: "\(error)"
        }
    }
}
