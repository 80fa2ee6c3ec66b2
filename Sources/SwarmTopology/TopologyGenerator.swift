import Foundation
import SwarmCore
import SwarmCrypto

/// Generates a loopback (or single-host) replica group: one certificate pair per replica,
/// per client, for one admin and for the monitor, the public client and admin certificates copied into
/// their allowlist directories, and `topology.yaml`. `swarmbft topology init` and the
/// orchestrator's `LocalMesh` both call this, so there is one implementation of the
/// layout operators read about in docs/operations.md.
public struct TopologyGenerator: Sendable {
    public var replicaCount = 4
    /// Replica i uses basePort+i (mesh), basePort+100+i (router), basePort+200+i (monitor
    /// tap); basePort+300 and basePort+301 serve the security event stream.
    public var basePort = 7100
    public var host = "127.0.0.1"
    public var clientCount = 1
    /// nil: `swarm-<ms>-<random>`.
    public var swarmID: String?
    /// The cluster id every signature binds (default `swarmbft-<n>-<8 random hex>`): unique
    /// per generated topology, so that what a key signed for a test bed proves nothing in
    /// production (issue 15, finding 4: every 4-replica topology was `swarmbft-4`).
    public var clusterID: String?
    public var protectionLevel = ProtectionLevel.standard
    public var testMode = false
    public var timeouts = Topology.Timeouts()
    /// nil keeps the topology default.
    public var maxBatchRequests: Int?
    /// Also a gateway certificate (`keys/gateway-0.key`) listed as carrying every client
    /// identity in `clients/`: a bench driver multiplexes many clients on one connection.
    public var gateway = false

    public init() {}

    /// The port range the topology occupies, so callers can check it does not overlap.
    public var portRange: ClosedRange<Int> { basePort ... basePort + 301 }

    /// Writes keys, allowlists and `directory/topology.yaml`; returns the loaded topology
    /// (validated, with paths resolved relative to `directory`).
    @discardableResult
    public func write(to directory: String) throws -> Topology {
        guard replicaCount >= 4 else { throw TopologyError("replica count \(replicaCount) is below 4 (n ≥ 3f + 1 with f ≥ 1)") }
        let keys = directory + "/keys"
        var entries: [Topology.ReplicaEntry] = []
        for index in 0 ..< replicaCount {
            try CertificateFile.write(SecretCertificate.generate(name: "replica-\(index)"), directory: keys)
            entries.append(
                Topology.ReplicaEntry(
                    id: UInt32(index), host: host, meshPort: basePort + index, routerPort: basePort + 100 + index, monitorPort: basePort + 200 + index,
                    certificate: "keys/replica-\(index).key"))
        }
        for index in 0 ..< clientCount {
            try Self.generateListed("client-\(index)", keys: keys, allowlist: directory + "/clients")
        }
        try Self.generateListed("admin-0", keys: keys, allowlist: directory + "/admins")
        // The monitor's own key (events.certificate): it serves the event stream and signs
        // its security log.
        try CertificateFile.write(SecretCertificate.generate(name: "monitor"), directory: keys)
        let id = swarmID ?? "swarm-\(Int(Date().timeIntervalSince1970 * 1000))-\(hexString(SodiumRandom.bytes(3)))"
        let events = Topology.EventsEntry(host: host, publishPort: basePort + 300, catchupPort: basePort + 301)
        let cluster = clusterID ?? "swarmbft-\(replicaCount)-\(hexString(SodiumRandom.bytes(4)))"
        var topology = Topology(
            swarmID: id, clusterID: cluster, protectionLevel: protectionLevel, testMode: testMode, timeouts: timeouts, events: events, replicas: entries)
        if let maxBatchRequests { topology.maxBatchRequests = maxBatchRequests }
        if gateway {
            try CertificateFile.write(SecretCertificate.generate(name: "gateway-0"), directory: keys)
            topology.gateways = [Topology.GatewayEntry(certificate: "keys/gateway-0.key", identities: "clients")]
        }
        let path = directory + "/topology.yaml"
        try topology.yaml().write(toFile: path, atomically: true, encoding: .utf8)
        return try Topology.load(path: path)
    }

    /// A new certificate in `keys`, its public half copied into the allowlist directory.
    public static func generateListed(_ name: String, keys: String, allowlist: String) throws {
        let paths = try CertificateFile.write(SecretCertificate.generate(name: name), directory: keys)
        try FileManager.default.createDirectory(atPath: allowlist, withIntermediateDirectories: true)
        let target = allowlist + "/\(name).key"
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: paths.publicPath, toPath: target)
    }
}
