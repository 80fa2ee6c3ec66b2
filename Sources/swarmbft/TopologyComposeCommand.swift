import ArgumentParser
import Foundation
import SwarmCompose
import SwarmTopology

/// `swarmbft topology compose`: a docker compose file for a topology.
struct TopologyCompose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Write a docker compose file (replicas, monitor, event sink) for a topology."
    )
    @Option(help: "Topology file.") var topology: String
    @Option(help: "Compose file to write.") var out = "docker/compose.yaml"
    @Option(help: "Image every service runs.") var image = "swarmbft:latest"
    @Option(help: "Allowlisted client key (keys/NAME.key_secret) for the event sink.") var client = "client-0"

    func run() throws {
        let loaded: Topology
        do { loaded = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
        let outDirectory = (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent
        // Paths in the file are relative to it, so the file and the topology move together.
        let options = ComposeFile.Options(image: image, sourceDirectory: Self.relativePath(from: outDirectory, to: loaded.baseDirectory), client: client)
        let text: String
        do { text = try ComposeFile.yaml(loaded, options: options) } catch { throw ValidationError("\(error)") }
        let problems = ComposeCheck.problems(composeYAML: text, topology: loaded)
        guard problems.isEmpty else {
            // The generator and the checker share ComposeLayout; disagreeing is a bug here.
            problems.forEach { print("BUG: \($0)") }
            throw ExitCode(3)
        }
        // The sink is refused by the monitor unless its key is listed.
        let listed = loaded.resolve(loaded.clientKeys) + "/\(client).key"
        if !FileManager.default.fileExists(atPath: listed) {
            print("warning: \(listed) is not in the client allowlist; the event sink will be refused until it is")
        }
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        print("wrote \(out): \(loaded.replicas.count) replicas, monitor, event sink; event stream on host ports \(loaded.events.publishPort) and \(loaded.events.catchupPort)")
    }

    /// `to` as seen from `from` (both directories), e.g. `../../../topology/4-replicas`.
    static func relativePath(from: String, to: String) -> String {
        func components(_ path: String) -> [String] {
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            return URL(fileURLWithPath: absolute).standardizedFileURL.pathComponents.filter { $0 != "/" }
        }
        let source = components(from), target = components(to)
        let common = zip(source, target).prefix { $0 == $1 }.count
        let parts = Array(repeating: "..", count: source.count - common) + target.dropFirst(common)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}

/// `swarmbft topology compose-check`: the semantic check of a compose file.
struct TopologyComposeCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose-check",
        abstract: "Check a compose file against its topology: references, replicas, ports, addresses."
    )
    @Option(help: "Compose file.") var compose: String
    @Option(help: "Topology file.") var topology: String

    func run() throws {
        let loaded: Topology
        do { loaded = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
        let text: String
        do { text = try String(contentsOfFile: compose, encoding: .utf8) } catch {
            throw ValidationError("cannot read compose file \(compose): \(error.localizedDescription)")
        }
        let problems = ComposeCheck.problems(composeYAML: text, topology: loaded)
        guard problems.isEmpty else {
            print("\(compose): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            problems.forEach { print("  \($0)") }
            throw ExitCode(1)
        }
        print("\(compose): consistent with \(topology) (\(loaded.replicas.count) replicas)")
    }
}
