import Foundation
import Testing
import SwarmCrypto
import SwarmNode
import SwarmTopology
import SwarmWire
import SwarmTestKit

@Suite("Topology files", .serialized)
struct TopologyTests {
    static let examples = TestKit.repositoryFile("topology")

    func generated() throws -> (directory: String, text: String) {
        let cluster = try LocalCluster()
        // Keep the directory alive beyond the cluster object: copy it.
        let copy = TestKit.scratchPath("topology")
        try FileManager.default.copyItem(atPath: cluster.directory, toPath: copy)
        return (copy, try String(contentsOfFile: copy + "/topology.yaml", encoding: .utf8))
    }

    func refusal(_ text: String, in directory: String) -> String? {
        let path = directory + "/edited.yaml"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Topology.load(path: path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("The committed examples load: n = 4 gives f = 1, q = 3; n = 9 gives f = 2, q = 6")
    func examples() throws {
        let four = try Topology.load(path: Self.examples + "/4-replicas/topology.yaml")
        #expect(try four.configuration().quorum == 3)
        let nine = try Topology.load(path: Self.examples + "/9-replicas/topology.yaml")
        let configuration = try nine.configuration()
        #expect(configuration.faultTolerance == 2 && configuration.quorum == 6)
        #expect(!FileManager.default.fileExists(atPath: Self.examples + "/4-replicas/keys/replica-0.key_secret"))
    }

    @Test("Every generated topology has its own cluster id, so evidence signed for one proves nothing in another (issue 15, finding 4)")
    func uniqueClusterID() throws {
        let (one, two) = (try LocalCluster(), try LocalCluster())
        let first = try one.topology(), second = try two.topology()
        #expect(first.clusterID != second.clusterID, "both topologies bind \(first.clusterID)")
        #expect(first.clusterID.hasPrefix("swarmbft-4-") && first.clusterID.utf8.count <= 64)
    }

    @Test("A client's connection carries its own identity only; a listed gateway carries the identities it lists; a stranger's key nothing (issue 15, finding 3)")
    func clientBinding() throws {
        let directory = TestKit.scratchPath("binding")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = TopologyGenerator()
        generator.clientCount = 3
        generator.gateway = true
        let topology = try generator.write(to: directory)
        let binding = try topology.clientBinding()
        let clients = try (0 ..< 3).map { try CertificateFile.readSecret(path: directory + "/keys/client-\($0).key_secret") }
        let gateway = try CertificateFile.readSecret(path: directory + "/keys/gateway-0.key_secret")
        func identity(_ certificate: SecretCertificate) -> ClientKey { ClientKey(bytes: certificate.signing.publicKey.bytes) }
        func connection(_ certificate: SecretCertificate) throws -> String { try Z85.encode(certificate.curve.publicKey) }
        for (index, client) in clients.enumerated() {
            for (other, carried) in clients.enumerated() {
                #expect(binding.mayCarry(identity(carried), onConnection: try connection(client)) == (index == other))
            }
            #expect(binding.mayCarry(identity(client), onConnection: try connection(gateway)))
        }
        #expect(!binding.mayCarry(identity(gateway), onConnection: try connection(gateway)), "the gateway carries what it lists, not itself")
        #expect(!binding.mayCarry(identity(clients[0]), onConnection: nil))
        let stranger = SecretCertificate.generate(name: "stranger")
        #expect(!binding.mayCarry(identity(stranger), onConnection: try connection(stranger)))
        // Registered: the clients, and the admin (its quarantine and release are ordered requests).
        let admin = try CertificateFile.readSecret(path: directory + "/keys/admin-0.key_secret")
        #expect(try topology.configuration().registeredClients == Set(clients.map(identity) + [identity(admin)]))
        #expect(try topology.configuration().adminClients == [identity(admin)])
        // The gateway reaches the ROUTERs; the taps are the monitor's alone.
        #expect(try topology.observerCertificates().contains { $0.curvePublicKey == gateway.curve.publicKey })
        #expect(try topology.tapReaderCertificates().map(\.curvePublicKey) == [try topology.monitorCertificate().curvePublicKey])
    }

    @Test("Bad topologies are refused with the field named")
    func refusals() throws {
        let (directory, text) = try generated()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(refusal(text, in: directory) == nil)
        let duplicatePort = text.replacingOccurrences(of: #"router_port: (\d+)"#, with: "router_port: 7777", options: .regularExpression)
        #expect(refusal(duplicatePort, in: directory)?.contains("router_port") == true)
        let duplicateID = text.replacingOccurrences(of: "- id: 1\n", with: "- id: 0\n")
        #expect(refusal(duplicateID, in: directory)?.contains("duplicate id") == true)
        let badSwarm = text.replacingOccurrences(of: #"swarm_id: .*"#, with: "swarm_id: not-a-swarm", options: .regularExpression)
        #expect(refusal(badSwarm, in: directory)?.contains("swarm_id") == true)
        let missingKey = text.replacingOccurrences(of: "keys/replica-2.key", with: "keys/missing.key")
        #expect(refusal(missingKey, in: directory)?.contains("replicas[2].certificate") == true)
        let badLevel = text.replacingOccurrences(of: "protection_level: standard", with: "protection_level: paranoid")
        #expect(refusal(badLevel, in: directory)?.contains("protection_level") == true)
        // Issue 15, finding 10: tick_ms 0 passed, and the node then spun at 100 % CPU.
        for tick in ["0", "-5", "60001"] {
            let badTick = text.replacingOccurrences(of: #"tick_ms: \d+"#, with: "tick_ms: \(tick)", options: .regularExpression)
            #expect(refusal(badTick, in: directory)?.contains("tick_ms") == true, "tick_ms \(tick) accepted")
        }
        // n = 3 cannot tolerate a Byzantine replica.
        var lines = text.components(separatedBy: "\n")
        if let start = lines.firstIndex(where: { $0.hasPrefix("- id: 3") }) { lines.removeSubrange(start ..< min(lines.count, start + 6)) }
        #expect(refusal(lines.joined(separator: "\n"), in: directory)?.contains("at least 4") == true)
    }

    @Test("A secret readable by group or others is refused with the fix in the message")
    func insecureSecret() throws {
        let (directory, _) = try generated()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let topology = try Topology.load(path: directory + "/topology.yaml")
        chmod(directory + "/keys/replica-1.key_secret", 0o640)
        #expect { try topology.secretCertificate(of: 1) } throws: { "\($0)".contains("chmod 600") }
        #expect(throws: Never.self) { try topology.secretCertificate(of: 2) }
        // `topology check` refuses it too (issue 15, finding 10: it passed mode 0644).
        let checked = try TestKit.runSwarmbft(["topology", "check", "--topology", directory + "/topology.yaml"])
        #expect(checked.status != 0 && checked.output.contains("replica-1.key_secret") && checked.output.contains("chmod 600"), "\(checked)")
        chmod(directory + "/keys/replica-1.key_secret", 0o600)
        #expect(try TestKit.runSwarmbft(["topology", "check", "--topology", directory + "/topology.yaml"]).status == 0)
    }
}
