import Foundation
import SwarmTestKit
import Testing

/// A command line is hostile input too: every name and id an option takes is checked, and
/// a wrong one is refused with exit 64 (EX_USAGE) and the choices, before anything starts.
@Suite("Command line: malformed options are refused, not guessed")
struct CommandLineRefusalTests {
    func expectRefused(_ arguments: [String], mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (status, output) = try TestKit.runSwarmbft(arguments)
        #expect(status == 64, "\(arguments): exit \(status)\n\(output)", sourceLocation: sourceLocation)
        for word in words {
            #expect(output.contains(word), "\(arguments) does not say '\(word)':\n\(output)", sourceLocation: sourceLocation)
        }
    }

    @Test("simulate: an unknown planted fault, behaviour or label, and replica ids that are no replica")
    func simulate() throws {
        try expectRefused(["simulate", "--seeds", "1", "--planted-fault", "accepting-crypt"], mentioning: ["unknown planted fault", "accepting-crypto"])
        try expectRefused(["simulate", "--seeds", "1", "--byzantine", "favourite"], mentioning: ["unknown Byzantine behaviour", "wrong-results"])
        try expectRefused(["simulate", "--seeds", "1", "--labelled", "nonsense"], mentioning: ["unknown label"])
        for ids in ["4", "-1", "1,x", "18446744073709551616", ""] {
            try expectRefused(["simulate", "--seeds", "1", "--byzantine", "silent", "--byzantine-replicas", ids], mentioning: ["--byzantine-replicas"])
        }
        try expectRefused(["simulate", "--seeds", "1", "--order-quarantine", "9"], mentioning: ["--order-quarantine", "below 4"])
        try expectRefused(["simulate", "--seeds", "1", "--replicas", "3"], mentioning: ["at least 4"])
    }

    @Test("node --misbehave and up/deploy --attack take only the names SwarmFaults defines")
    func faultNames() throws {
        let directory = TestKit.scratchPath("refusals")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let initialised = try TestKit.runSwarmbft(["topology", "init", "--replicas", "4", "--out", directory, "--base-port", "29500", "--clients", "1"])
        #expect(initialised.status == 0, "\(initialised.output)")
        try expectRefused(
            ["node", "--topology", directory + "/topology.yaml", "--replica", "0", "--data-dir", directory + "/data-0", "--misbehave", "favourite"],
            mentioning: ["unknown --misbehave", "double-vote"])
        try expectRefused(["up", "--attack", "forge"], mentioning: ["--attack must be one of", "equivocate"])
        try expectRefused(["deploy", "--swarm-id", "s", "--output-report", directory + "/report.json", "--attack", "nonsense"], mentioning: ["--attack must be one of"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/data-0"), "a refused node created its data directory")
    }

    @Test("topology init and keygen refuse to overwrite secret keys without --force, and check every argument before writing anything (issue 15, finding 10)")
    func noSilentOverwrite() throws {
        let directory = TestKit.scratchPath("overwrite")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try TestKit.runSwarmbft(["topology", "init", "--out", directory, "--base-port", "29600"]).status == 0)
        let secret = directory + "/keys/replica-0.key_secret"
        let before = FileManager.default.contents(atPath: secret)
        try expectRefused(["topology", "init", "--out", directory, "--base-port", "29600"], mentioning: ["already exist", "--force"])
        try expectRefused(["keygen", "--name", "replica-0", "--out", directory + "/keys"], mentioning: ["already exist", "--force"])
        #expect(FileManager.default.contents(atPath: secret) == before, "a secret key was overwritten")
        #expect(try TestKit.runSwarmbft(["keygen", "--name", "replica-0", "--out", directory + "/keys", "--force"]).status == 0)
        #expect(FileManager.default.contents(atPath: secret) != before, "--force replaces the key")
        // Bad arguments write nothing.
        let fresh = TestKit.scratchPath("fresh")
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        try expectRefused(["topology", "init", "--out", fresh, "--base-port", "65500"], mentioning: ["--base-port"])
        try expectRefused(["topology", "init", "--out", fresh, "--swarm-id", "bad id"], mentioning: ["--swarm-id"])
        try expectRefused(["topology", "init", "--out", fresh, "--replicas", "101"], mentioning: ["at most 100"])
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused topology init wrote \(fresh)")
    }
}
