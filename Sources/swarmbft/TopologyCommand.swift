import ArgumentParser
import Foundation
import SwarmCore
import SwarmCrypto
import SwarmCompose
import SwarmTopology

/// `swarmbft topology ...`: create and check topology files.
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Create and check replica topologies.",
        subcommands: [TopologyInit.self, TopologyCheck.self, TopologyCompose.self, TopologyComposeCheck.self]
    )
}

struct TopologyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate keys and a loopback topology for N replicas (and one client key)."
    )

    @Option(help: "Number of replicas (n ≥ 4).") var replicas = 4
    @Option(help: "Output directory.") var out: String
    @Option(help: "First port; replica i uses base+i (mesh), base+100+i (router), base+200+i (monitor tap); base+300 and base+301 serve the event stream.") var basePort = 7100
    @Option(help: "Host the replicas listen on.") var host = "127.0.0.1"
    @Option(help: "Number of client certificates to create.") var clients = 1
    @Option(help: "Swarm id (default: swarm-<ms>-<rand>).") var swarmID: String?
    @Option(help: "Protection level: \(ProtectionLevel.names).") var protectionLevel = ProtectionLevel.standard
    @Flag(help: "Mark the topology as a test bed (allows --misbehave fault injection).") var testMode = false
    @Flag(help: "Replace an existing topology and its keys in --out (the old secret keys are lost).") var force = false

    /// Every argument is checked before anything is written (issue 15, finding 10: keys
    /// and an invalid topology were written, then the arguments refused).
    func validate() throws {
        guard replicas >= 4 else { throw ValidationError("--replicas must be at least 4 (n ≥ 3f + 1 with f ≥ 1)") }
        // Replica i listens on base+i, base+100+i and base+200+i: more than 100 would collide.
        guard replicas <= 100 else { throw ValidationError("--replicas must be at most 100 (the port layout gives each kind of socket 100 ports)") }
        guard (1 ... 65535 - 301).contains(basePort) else { throw ValidationError("--base-port must be 1...\(65535 - 301) (the topology uses base-port ... base-port + 301)") }
        guard (0 ... 1_000).contains(clients) else { throw ValidationError("--clients must be 0...1000") }
        if let swarmID, !Topology.validSwarmID(swarmID) { throw ValidationError("--swarm-id '\(swarmID)' must be swarm-<ms>-<rand> or swarm_<ms>_<rand>") }
        let existing = [out + "/topology.yaml", out + "/keys"].filter { FileManager.default.fileExists(atPath: $0) }
        guard existing.isEmpty || force else {
            throw ValidationError("\(existing.joined(separator: " and ")) already exist: refusing to overwrite a topology and its secret keys (pass --force to replace them)")
        }
    }

    func run() throws {
        var generator = TopologyGenerator()
        generator.replicaCount = replicas
        generator.basePort = basePort
        generator.host = host
        generator.clientCount = clients
        generator.swarmID = swarmID
        generator.protectionLevel = protectionLevel
        generator.testMode = testMode
        let loaded = try generator.write(to: out)
        let configuration = try loaded.configuration()
        print("wrote \(out)/topology.yaml: n = \(replicas), f = \(configuration.faultTolerance), q = \(configuration.quorum)")
        print("keys in \(out)/keys (secrets mode 0600), client allowlist in \(out)/clients, admin allowlist in \(out)/admins")
    }
}

struct TopologyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a topology file.")
    @Option(help: "Topology file.") var topology: String

    func run() throws {
        let loaded: Topology
        do { loaded = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
        // Every secret beside a certificate the topology names is read as the node, the
        // monitor and the client read it: a mode others can read, or a secret that does
        // not match its public half, is refused here too (issue 15, finding 10).
        let certificates = loaded.replicas.map(\.certificate) + [loaded.events.certificate]
        for certificate in certificates {
            let secret = loaded.resolve(certificate) + "_secret"
            guard FileManager.default.fileExists(atPath: secret) else { continue }
            do { _ = try CertificateFile.readSecret(path: secret) } catch { throw ValidationError("\(error)") }
        }
        let configuration = try loaded.configuration()
        print(
            "\(topology): \(loaded.replicas.count) replicas, f = \(configuration.faultTolerance), q = \(configuration.quorum), swarm \(loaded.swarmID), protection \(loaded.protectionLevel)"
        )
    }
}
