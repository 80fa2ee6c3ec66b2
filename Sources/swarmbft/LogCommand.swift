import ArgumentParser
import Foundation
import SwarmCrypto
import SwarmTopology
import SwarmSecurityLog

/// `swarmbft log ...`: the tamper-evident security log.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Verify, export and import the tamper-evident security log.", subcommands: [Verify.self, Export.self, Import.self])

    /// Whose log: a replica's (signed with its key) or the monitor's.
    struct Owner: ParsableArguments {
        @Option(help: "Topology file (for the owner's public key).") var topology: String
        @Option(help: "Replica whose log this is.") var replica: UInt32?
        @Flag(help: "The log is the monitor's (signed with events.certificate).") var monitor = false

        func publicKey() throws -> Ed25519.PublicKey {
            let loaded = try Topology.load(path: topology)
            switch (replica, monitor) {
            case let (replica?, false): return try loaded.publicCertificate(of: replica).ed25519PublicKey
            case (nil, true): return try loaded.monitorCertificate().ed25519PublicKey
            default: throw ValidationError("name the log's owner: --replica N or --monitor")
            }
        }

        func secretCertificate() throws -> SecretCertificate {
            let loaded = try Topology.load(path: topology)
            if let replica { return try loaded.secretCertificate(of: replica) }
            return try loaded.monitorSecretCertificate()
        }

        var name: String { replica.map { "replica-\($0)" } ?? "monitor" }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a security log directory or an exported bundle; names the first bad entry and why.")
        @Argument(help: "The log directory, or a bundle file from `log export`.") var path: String
        @OptionGroup var owner: Owner
        @Flag(help: "Also check the MACs, with the owner's secret certificate (directories only).") var withMac = false

        func run() throws {
            let publicKey = try owner.publicKey()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ValidationError("\(path) does not exist") }
            if !isDirectory.boolValue {
                let report = LogBundle.verify(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), publicKey: publicKey)
                if let problem = report.problem {
                    print("INVALID bundle: \(problem)")
                    throw ExitCode(1)
                }
                print("valid bundle: entries \(report.firstIndex!)...\(report.lastIndex!), signed by \(owner.name)")
                return
            }
            let macKey = withMac ? SecurityLog.macKey(for: try owner.secretCertificate()) : nil
            let report = LogVerifier.verify(directory: path, publicKey: publicKey, macKey: macKey)
            if let problem = report.problem {
                print("INVALID at entry \(report.firstBadIndex.map(String.init) ?? "?"): \(problem)")
                throw ExitCode(1)
            }
            print(
                "valid: \(report.entries) entries (\(report.firstIndex.map(String.init) ?? "-")...\(report.lastIndex.map(String.init) ?? "-")), \(report.anchors) signed anchors, \(report.segments.count) segments\(withMac ? ", MACs checked" : ", MACs not checked (public key only)")"
            )
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a range of a security log as a bundle that verifies with the owner's public key alone.")
        @Argument(help: "The log directory.") var directory: String
        @OptionGroup var owner: Owner
        @Option(help: "First entry.") var from: UInt64 = 0
        @Option(help: "Last entry (default: the newest anchored entry); extended to the anchor that covers it.") var to: UInt64?
        @Option(help: "Bundle file to write.") var out: String

        func run() throws {
            let publicKey = try owner.publicKey()
            let source = LogVerifier.verify(directory: directory, publicKey: publicKey, macKey: nil)
            if let problem = source.problem { throw ValidationError("the log does not verify, so it is not exported: \(problem)") }
            let bundle = try LogBundle.export(directory: directory, first: from, last: to)
            let report = LogBundle.verify(bundle, publicKey: publicKey)
            guard report.verified else { throw ValidationError("the bundle does not verify: \(report.problem!)") }
            try Data(bundle).write(to: URL(fileURLWithPath: out))
            print("wrote \(out): entries \(report.firstIndex!)...\(report.lastIndex!) of \(owner.name), \(bundle.count) bytes")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a bundle with the owner's public key and file it in an archive directory.")
        @Argument(help: "Bundle file from `log export`.") var bundle: String
        @OptionGroup var owner: Owner
        @Option(help: "Archive directory.") var into: String

        func run() throws {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: bundle)))
            let report = LogBundle.verify(bytes, publicKey: try owner.publicKey())
            if let problem = report.problem {
                print("REFUSED: \(bundle) does not verify as \(owner.name)'s log: \(problem)")
                throw ExitCode(1)
            }
            try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
            let target = "\(into)/\(owner.name)-\(report.firstIndex!)-\(report.lastIndex!).sblog"
            try Data(bytes).write(to: URL(fileURLWithPath: target))
            print("imported \(report.entries.count) entries (\(report.firstIndex!)...\(report.lastIndex!)) of \(owner.name) into \(target)")
        }
    }
}
