import ArgumentParser
import Foundation
import SwarmClient
import SwarmCore
import SwarmCrypto
import SwarmMonitor
import SwarmTopology
import SwarmWire

/// `swarmbft admin ...`: manual overrides, signed with an admin key listed in the
/// topology's `admin_keys`. Quarantine and release are ordered requests: executed in
/// sequence by every correct replica alike, at most f quarantined in the whole cluster
/// (issue 15, finding 7). View change and evidence go to each replica, which checks the
/// signature, the key, the cluster and the freshness itself. Every replica records what
/// it did in its security log.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manual overrides: quarantine, release, view change, hand over evidence.",
        subcommands: [Quarantine.self, Release.self, ViewChange.self, HandOverEvidence.self])

    struct Options: ParsableArguments {
        @Option(help: "Topology file.") var topology: String
        @Option(help: "Admin secret certificate (default: keys/admin-0.key_secret beside the topology).") var key: String?

        func load() throws -> (Topology, SecretCertificate) {
            let loaded = try Topology.load(path: topology)
            do { return (loaded, try CertificateFile.readSecret(path: key ?? loaded.resolve("keys/admin-0.key_secret"))) } catch {
                throw ValidationError("admin certificate: \(error)")
            }
        }

        /// Orders a control through consensus; prints the replicas' agreed result.
        func order(_ control: OrderedControl) throws {
            let (loaded, certificate) = try load()
            let client = try SwarmClient(topology: loaded, certificate: certificate)
            let result: [UInt8]
            do { result = try client.submit(control.encoded()) } catch let error as ClientError {
                print("REFUSED: \(error.description)")
                throw ExitCode(1)
            }
            let text = String(decoding: result, as: UTF8.self)
            print("ordered: \(text)")
            if !OrderedControl.applied(result) { throw ExitCode(1) }
        }

        func send(_ build: (Topology, SecretCertificate) throws -> [[UInt8]]) throws {
            let (loaded, certificate) = try load()
            let client = try SwarmClient(topology: loaded, certificate: certificate)
            let answers = try client.control(try build(loaded, certificate))
            for answer in answers { print("replica \(answer.replica): \(answer.accepted ? "ok" : "REFUSED"): \(answer.text)") }
            if answers.contains(where: { !$0.accepted }) { throw ExitCode(1) }
        }
    }

    struct Quarantine: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make every replica ignore a replica: ordered, at most f at a time in the cluster.")
        @OptionGroup var options: Options
        @Option(help: "The replica to quarantine.") var replica: UInt32
        func run() throws { try options.order(.quarantine(replica)) }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hear a quarantined replica again: ordered, at every replica.")
        @OptionGroup var options: Options
        @Option(help: "The replica to release.") var replica: UInt32
        func run() throws { try options.order(.release(replica)) }
    }

    struct ViewChange: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "view-change", abstract: "Start a view change at every replica (replace the primary).")
        @OptionGroup var options: Options
        func run() throws {
            try options.send { topology, certificate in SwarmClient.controlCommand(.viewChange, cluster: topology.cluster, signing: certificate.signing) }
        }
    }

    struct HandOverEvidence: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evidence", abstract: "Hand an evidence file to every replica; each verifies it before quarantining the offender.")
        @OptionGroup var options: Options
        @Argument(help: "Evidence file (from `swarmbft monitor`).") var file: String
        func run() throws {
            let evidence: EvidenceFile
            do { evidence = try JSONDecoder().decode(EvidenceFile.self, from: Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                throw ValidationError("\(file) is not an evidence file: \(error)")
            }
            guard let first = try? bytes(fromHex: evidence.first), let second = try? bytes(fromHex: evidence.second) else {
                throw ValidationError("\(file): the frames are not hex")
            }
            try options.send { _, _ in [ControlFrames.evidence, first, second] }
        }
    }
}
