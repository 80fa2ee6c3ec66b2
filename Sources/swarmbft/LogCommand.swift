import ArgumentParser
import SwarmCrypto
import SwarmNode
import SwarmSecurityLog

/// `swarmbft log ...`: the tamper-evident security log.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Verify the tamper-evident security log.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a security log directory; names the first bad entry and why.")
        @Argument(help: "The log directory.") var directory: String
        @Option(help: "Topology file (for the node's public key).") var topology: String
        @Option(help: "Replica whose log this is.") var replica: UInt32
        @Flag(help: "Also check the MACs, with the replica's secret certificate.") var withMac = false

        func run() throws {
            let loaded = try Topology.load(path: topology)
            let publicKey = try loaded.publicCertificate(of: replica).ed25519PublicKey
            let macKey = withMac ? SecurityLog.macKey(for: try loaded.secretCertificate(of: replica)) : nil
            let report = LogVerifier.verify(directory: directory, publicKey: publicKey, macKey: macKey)
            if let problem = report.problem {
                print("INVALID at entry \(report.firstBadIndex.map(String.init) ?? "?"): \(problem)")
                throw ExitCode(1)
            }
            print("valid: \(report.entries) entries (\(report.firstIndex.map(String.init) ?? "-")...\(report.lastIndex.map(String.init) ?? "-")), \(report.anchors) signed anchors, \(report.segments.count) segments\(withMac ? ", MACs checked" : ", MACs not checked (public key only)")")
        }
    }
}
