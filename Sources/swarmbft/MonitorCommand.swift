import ArgumentParser
import Foundation
import Logging
import SwarmAuth
import SwarmCrypto
import SwarmMonitor
import SwarmMonitorCore
import SwarmTopology

/// `swarmbft monitor`: watch every replica's tap and write equivocation evidence.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "monitor", abstract: "Watch all replicas' monitor taps; write evidence; serve the security event stream.")
    @Option(help: "Topology file.") var topology: String
    @Option(help: "Directory for evidence files.") var dataDir: String
    @Option(help: "The monitor's secret certificate (default: the topology's events.certificate + _secret).") var key: String?
    @Option(help: "Stop after this many seconds (default: until SIGTERM).") var duration: Double?
    @Option(help: "Subscribe through a monitor proxy at this endpoint (swarmbft monitor-proxy) instead of to every tap.") var via: String?

    func run() throws {
        installStopHandlers()
        let loaded = try Topology.load(path: topology)
        let certificate = try monitorCertificate(loaded, key: key)
        let service = try MonitorService(topology: loaded, certificate: certificate, dataDirectory: dataDir, via: via, logger: Logger(label: "swarmbft.monitor"))
        try service.run(until: duration.map { Date().addingTimeInterval($0) }) { stopRequested != 0 }
        print("monitor: \(service.observed) messages observed, \(service.malformed) malformed, \(service.evidenceFiles.count) evidence files")
        for (replica, kinds) in service.findings.sorted(by: { $0.key < $1.key }) {
            print("  replica \(replica): " + Dictionary(grouping: kinds, by: { $0 }).map { "\($0.key) ×\($0.value.count)" }.sorted().joined(separator: ", "))
        }
    }
}

/// `swarmbft evidence verify FILE`: checks evidence offline; exits non-zero unless it proves equivocation.
struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evidence", abstract: "Work with equivocation evidence.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify an evidence file with the replicas' public keys.")
        @Argument(help: "Evidence file (JSON).") var file: String
        @Option(help: "Topology file (for the replicas' public keys).") var topology: String

        func run() throws {
            let loaded = try Topology.load(path: topology)
            let keys = try loaded.replicaCertificates().map(\.ed25519PublicKey)
            let evidence: EvidenceFile
            do { evidence = try JSONDecoder().decode(EvidenceFile.self, from: Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                print("evidence: \(file) is not an evidence file: \(error)")
                throw ExitCode(2)
            }
            switch evidence.verify(cluster: loaded.cluster, crypto: Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: keys)) {
            case let .success(slot):
                print("valid: replica \(slot.signer) signed two different \(slot.kind) messages for view \(slot.view) sequence \(slot.sequence)")
            case let .failure(error):
                print("INVALID: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// The monitor's secret certificate: `--key`, or the topology's `events.certificate` + `_secret`.
func monitorCertificate(_ topology: Topology, key: String?) throws -> SecretCertificate {
    try key.map { try CertificateFile.readSecret(path: $0) } ?? topology.monitorSecretCertificate()
}

/// `swarmbft monitor-proxy`: one fan-in from every tap, serving many monitors.
struct MonitorProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor-proxy", abstract: "Fan in every replica's tap (XSUB) and serve any number of monitors (XPUB), with an optional capture socket.")
    @Option(help: "Topology file.") var topology: String
    @Option(help: "Endpoint monitors connect to (e.g. tcp://127.0.0.1:7500).") var bind: String
    @Option(help: "Also publish a copy of every message here (a recorder's endpoint).") var capture: String?
    @Option(help: "The monitor's secret certificate (default: the topology's events.certificate + _secret).") var key: String?
    @Option(help: "Stop after this many seconds (default: until SIGTERM).") var duration: Double?

    func run() throws {
        installStopHandlers()
        let loaded = try Topology.load(path: topology)
        let certificate = try monitorCertificate(loaded, key: key)
        let proxy = try MonitorProxy(topology: loaded, certificate: certificate, publishEndpoint: bind, captureEndpoint: capture, logger: Logger(label: "swarmbft.monitor-proxy"))
        let deadline = duration.map { Date().addingTimeInterval($0) }
        print("monitor proxy: \(loaded.replicas.count) taps in, monitors on \(bind)\(capture.map { ", capture on \($0)" } ?? "")")
        try proxy.run { stopRequested != 0 || deadline.map { Date() >= $0 } ?? false }
    }
}
