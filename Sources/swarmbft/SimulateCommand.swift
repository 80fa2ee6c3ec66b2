import ArgumentParser
import Foundation
import SwarmCore
import SwarmMonitorCore
import SwarmWire
import SwarmSimulator
import SwarmFaults

/// `swarmbft simulate`: deterministic sweeps of the real core under faults and Byzantine
/// behaviour; exits non-zero on any violation and prints how to replay it.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the deterministic Byzantine simulator over many seeds."
    )

    @Option(help: "Number of replicas (n ≥ 4).") var replicas = 4
    @Option(help: "Number of seeds to run.") var seeds = 1000
    @Option(help: "First seed.") var firstSeed: UInt64 = 1
    @Option(help: "Run exactly this seed.") var seed: UInt64?
    @Option(help: "Replica ids 0..<N get a twin sharing their key.") var twins = 0
    @Option(
        help: "Byzantine behaviour: \(Misbehavior.names), or all (seed s runs fault s mod 14, read-only reads every other round, the last a lasting crash, on 1 to f replicas).")
    var byzantine: String?
    @Option(help: "Comma-separated ids of replicas that crash once during the safety phase and never restart (with the Byzantine ones at most f).") var lastingCrashes: String?
    @Option(help: "Comma-separated ids of the Byzantine replicas.") var byzantineReplicas = "0"
    @Option(help: "Clients per run.") var clients = 4
    @Option(help: "Requests per client.") var requests = 8
    @Option(help: "Test-only negative control, repeatable: a bug planted through the simulator's seams (\(PlantedFault.names)).") var plantedFault: [String] = []
    @Flag(help: "Use real Ed25519 for every seed.") var ed25519 = false
    @Flag(help: "Run without network and crash faults.") var noFaults = false
    @Flag(help: "Send gets as read-only requests and check every accepted read against the writes completed before it (S5).") var readOnlyReads = false
    @Flag(help: "After each completed write, read the key straight back on the read-only path (implies --read-only-reads).") var readBack = false
    @Flag(help: "Add a Byzantine client: one request id for two operations, requests from fresh identities.") var byzantineClient = false
    @Flag(help: "Print the event trace of a single seed.") var trace = false
    @Flag(help: "Print a JSON summary.") var json = false
    @Option(help: "Labelled monitor-precision run (ACCEPTANCE 15): \(Label.allCases.map(\.rawValue).joined(separator: ", ")).") var labelled: String?
    @Option(help: "The replicas' and the monitor's protection level: \(ProtectionLevel.names).") var protectionLevel = ProtectionLevel.standard
    @Option(help: "Test-only negative control: comma-separated ids an operator orders every replica to quarantine.") var orderQuarantine: String?

    /// Parses a comma-separated list of replica ids; anything that is not an id below
    /// `count` is refused, never dropped.
    static func replicaIDs(_ text: String, option: String, count: Int) throws -> [ReplicaID] {
        // An empty list would run a Byzantine scenario without a Byzantine replica.
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("\(option): name at least one replica id below \(count)") }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { word in
            let trimmed = word.trimmingCharacters(in: .whitespaces)
            guard let id = ReplicaID(trimmed), Int(id) < count else {
                throw ValidationError("\(option): '\(trimmed)' is not a replica id below \(count)")
            }
            return id
        }
    }

    func run() throws {
        let level = protectionLevel
        if let labelled {
            guard let label = Label(rawValue: labelled) else {
                throw ValidationError("unknown label '\(labelled)'; choose one of \(Label.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try runLabelled(label, level: level)
            return
        }
        var options = SimulationOptions(replicaCount: replicas)
        options.twins = twins
        let rotate = byzantine == "all"
        if let byzantine, !rotate {
            guard let behavior = Misbehavior(rawValue: byzantine) else {
                throw ValidationError("unknown Byzantine behaviour '\(byzantine)'; choose one of \(Misbehavior.names)")
            }
            options.byzantine = behavior
            options.byzantineReplicas = try Self.replicaIDs(byzantineReplicas, option: "--byzantine-replicas", count: replicas)
        }
        options.clientCount = clients
        options.requestsPerClient = requests
        options.plantedFaults = try Set(
            plantedFault.map { name in
                guard let fault = PlantedFault(rawValue: name) else { throw ValidationError("unknown planted fault '\(name)'; choose one of \(PlantedFault.names)") }
                return fault
            })
        options.faults = !noFaults
        options.keyScheme = ed25519 ? .ed25519 : .test
        options.trace = trace
        options.protectionLevel = level
        options.readOnlyReads = readOnlyReads || readBack
        options.readBack = readBack
        options.byzantineClient = byzantineClient
        if let lastingCrashes { options.lastingCrashes = try Self.replicaIDs(lastingCrashes, option: "--lasting-crashes", count: replicas) }
        if let orderQuarantine { options.orderedQuarantine = try Self.replicaIDs(orderQuarantine, option: "--order-quarantine", count: replicas) }
        guard replicas >= 4 else { throw ValidationError("--replicas must be at least 4") }

        if let seed {
            if rotate { options = Sweep.rotatingByzantine(options, seed: seed) }
            options.seed = seed
            let result = Simulation.run(options)
            if trace { result.trace.forEach { print($0) } }
            print(
                "seed \(seed): \(result.passed ? "passed" : "FAILED") — faults: \(result.profile); trace hash \(String(result.traceHash, radix: 16)); commits \(result.committedSequences), view \(result.highestView), requests \(result.completedRequests), events \(result.events)"
            )
            for violation in result.violations { print("  violation: \(violation)") }
            if !result.passed { throw ExitCode(1) }
            return
        }

        let started = Date()
        let range = firstSeed ..< firstSeed + UInt64(seeds)
        let summary = Sweep.run(options, seeds: range, ed25519Every: ed25519 ? 1 : 50, rotateByzantine: rotate) { done, result in
            if !result.passed {
                FileHandle.standardError.write(
                    Data("\nseed \(result.options.seed) FAILED: \(result.violations.first.map(\.description) ?? "")\n  replay: \(result.options.replayCommand)\n".utf8))
            }
            if !json, done % max(1, seeds / 50) == 0 || done == seeds {
                let width = 40, filled = width * done / seeds
                FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(seeds)".utf8))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        if !json { FileHandle.standardError.write(Data("\n".utf8)) }
        if json {
            print(
                "{\"replicas\":\(replicas),\"seeds\":\(summary.seeds),\"violations\":\(summary.violations),\"commits\":\(summary.committedSequences),\"requests\":\(summary.completedRequests),\"view_changes\":\(summary.viewChanges),\"state_transfers\":\(summary.stateTransfers),\"crashes\":\(summary.crashes),\"wall_seconds\":\(String(format: "%.1f", seconds))}"
            )
        } else {
            print("n=\(replicas) twins=\(twins) byzantine=\(byzantine ?? "none"): \(summary.description); wall \(String(format: "%.1f", seconds)) s")
            for failure in summary.failures {
                print("  seed \(failure.options.seed): \(failure.violations.first.map(\.description) ?? "")\n    replay: \(failure.options.replayCommand)")
            }
        }
        if summary.violations > 0 { throw ExitCode(1) }
    }

    /// Labelled runs print the detection rate and the findings against honest replicas;
    /// exit status 1 when a proven finding accuses an honest replica or a safety
    /// invariant breaks, and 2 when detection falls below 99 %.
    func runLabelled(_ label: Label, level: ProtectionLevel) throws {
        let started = Date()
        let range = firstSeed ..< firstSeed + UInt64(seeds)
        let summary = Sweep.labelled(label, seeds: range, protectionLevel: level, ed25519Every: ed25519 ? 1 : 50) { done, _ in
            if !json, done % max(1, seeds / 50) == 0 || done == seeds {
                let width = 40, filled = width * done / seeds
                FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(seeds)".utf8))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(
                "{\"label\":\"\(label.rawValue)\",\"protection_level\":\"\(level.rawValue)\",\"seeds\":\(summary.seeds),\"detected\":\(summary.detected),\"proven_against_honest\":\(summary.provenAgainstHonest),\"runs_suspecting_honest\":\(summary.runsSuspectingHonest),\"safety_violations\":\(summary.safetyViolations),\"wall_seconds\":\(String(format: "%.1f", seconds))}"
            )
        } else {
            FileHandle.standardError.write(Data("\n".utf8))
            print("\(summary.description)\nwall \(String(format: "%.1f", seconds)) s")
            if let seed = summary.missed.first { print("  replay a miss: \(label.options(seed: seed, protectionLevel: level).replayCommand)") }
        }
        if summary.provenAgainstHonest > 0 || summary.safetyViolations > 0 { throw ExitCode(1) }
        if label != .honest, summary.detectionRate < 0.99 { throw ExitCode(2) }
    }
}
