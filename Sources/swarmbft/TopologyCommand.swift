import ArgumentParser
import Foundation
import SwarmCrypto
import SwarmNode

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
    @Option(help: "Protection level: minimal, standard, enhanced, maximum.") var protectionLevel = "standard"
    @Flag(help: "Mark the topology as a test bed (allows --misbehave fault injection).") var testMode = false

    func run() throws {
        guard replicas >= 4 else { throw ValidationError("--replicas must be at least 4 (n ≥ 3f + 1 with f ≥ 1)") }
        let keys = out + "/keys", clientDirectory = out + "/clients"
        var entries: [Topology.ReplicaEntry] = []
        for index in 0 ..< replicas {
            let certificate = SecretCertificate.generate(name: "replica-\(index)")
            try CertificateFile.write(certificate, directory: keys)
            entries.append(Topology.ReplicaEntry(id: UInt32(index), host: host, meshPort: basePort + index, routerPort: basePort + 100 + index, monitorPort: basePort + 200 + index, certificate: "keys/replica-\(index).key"))
        }
        for index in 0 ..< clients { try Self.generateListed("client-\(index)", keys: keys, allowlist: clientDirectory) }
        try Self.generateListed("admin-0", keys: keys, allowlist: out + "/admins")
        try CertificateFile.write(SecretCertificate.generate(name: "monitor"), directory: keys)
        let id = swarmID ?? "swarm-\(Int(Date().timeIntervalSince1970 * 1000))-\(hexString(SodiumRandom.bytes(3)))"
        let events = Topology.EventsEntry(host: host, publishPort: basePort + 300, catchupPort: basePort + 301)
        let topology = Topology(swarmID: id, clusterID: "swarmbft-\(replicas)", protectionLevel: protectionLevel, testMode: testMode, events: events, replicas: entries)
        let path = out + "/topology.yaml"
        try topology.yaml().write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try Topology.load(path: path)
        let configuration = try loaded.configuration()
        print("wrote \(path): n = \(replicas), f = \(configuration.faultTolerance), q = \(configuration.quorum)")
        print("keys in \(keys) (secrets mode 0600), client allowlist in \(clientDirectory), admin allowlist in \(out)/admins")
    }

    /// A new certificate in `keys`, its public half copied into the allowlist directory.
    static func generateListed(_ name: String, keys: String, allowlist: String) throws {
        let paths = try CertificateFile.write(SecretCertificate.generate(name: name), directory: keys)
        try FileManager.default.createDirectory(atPath: allowlist, withIntermediateDirectories: true)
        let target = allowlist + "/\(name).key"
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: paths.publicPath, toPath: target)
    }
}

struct TopologyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a topology file.")
    @Option(help: "Topology file.") var topology: String

    func run() throws {
        let loaded: Topology
        do { loaded = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
        let configuration = try loaded.configuration()
        print("\(topology): \(loaded.replicas.count) replicas, f = \(configuration.faultTolerance), q = \(configuration.quorum), swarm \(loaded.swarmID), protection \(loaded.protectionLevel)")
    }
}
