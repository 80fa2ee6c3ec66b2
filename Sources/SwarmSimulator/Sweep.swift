import SwarmCore
import SwarmFaults
import SwarmWire

/// Totals over many seeds.
public struct SweepSummary: Sendable {
    public var seeds = 0
    public var passed = 0
    public var committedSequences: UInt64 = 0
    public var completedRequests = 0
    public var viewChanges = 0
    public var stateTransfers = 0
    public var crashes = 0
    public var events = 0
    public var failures: [SimulationResult] = []
    public var accused: [ReplicaID: Int] = [:]
    /// In how many runs each replica was named with equivocation evidence.
    public var runsNaming: [ReplicaID: Int] = [:]
    /// In how many runs the monitor named each replica, and how many of those within one view.
    public var monitorNaming: [ReplicaID: Int] = [:]
    public var monitorNamingWithinOneView: [ReplicaID: Int] = [:]
    public var monitorFlooding: [ReplicaID: Int] = [:]

    public init() {}

    public var violations: Int { seeds - passed }

    public mutating func add(_ result: SimulationResult) {
        seeds += 1
        if result.passed { passed += 1 } else if failures.count < 10 { failures.append(result) }
        committedSequences += result.committedSequences
        completedRequests += result.completedRequests
        viewChanges += result.viewChanges
        stateTransfers += result.stateTransfers
        crashes += result.crashes
        events += result.events
        for id in result.monitorFlooders { monitorFlooding[id, default: 0] += 1 }
        for (id, withinOneView) in result.monitorNamed {
            monitorNaming[id, default: 0] += 1
            if withinOneView { monitorNamingWithinOneView[id, default: 0] += 1 }
        }
        for (id, count) in result.accused {
            accused[id, default: 0] += count
            runsNaming[id, default: 0] += 1
        }
    }

    var floodingText: String {
        monitorFlooding.isEmpty ? "" : ", flooding named " + monitorFlooding.sorted { $0.key < $1.key }.map { "r\($0.key) in \($0.value) runs" }.joined(separator: ", ")
    }

    public var description: String {
        "seeds \(seeds), passed \(passed), violations \(violations), commits \(committedSequences), requests \(completedRequests), view changes \(viewChanges), state transfers \(stateTransfers), crashes \(crashes), events \(events)\(runsNaming.isEmpty ? "" : ", named with evidence " + runsNaming.sorted { $0.key < $1.key }.map { "r\($0.key) in \($0.value) runs" }.joined(separator: ", "))\(monitorNaming.isEmpty ? "" : ", monitor named " + monitorNaming.sorted { $0.key < $1.key }.map { "r\($0.key) in \($0.value) runs (\(monitorNamingWithinOneView[$0.key] ?? 0) within one view)" }.joined(separator: ", "))\(floodingText)"
    }
}

public enum Sweep {
    /// `--byzantine all`: seed s runs fault s mod 14 — every `Misbehavior` in turn, then a
    /// lasting crash — on between 1 and f replicas drawn from the seed; the behaviours a
    /// primary shows (equivocate, delay, forge) always include replica 0, the first primary,
    /// and the lies of a new primary (new-view-lies) replica 1, the primary of view 1.
    /// Every other round of behaviours sends gets on the read-only path (S5 checked), and
    /// every other pair of rounds adds a Byzantine client.
    /// The options name the choice, so a failing seed's replay command is concrete.
    public static func rotatingByzantine(_ options: SimulationOptions, seed: UInt64) -> SimulationOptions {
        var seeded = options
        let faults: [Misbehavior?] = Misbehavior.allCases + [nil]
        let behaviour = faults[Int(seed % UInt64(faults.count))]
        let n = UInt64(options.replicaCount), f = UInt64(max(1, (options.replicaCount - 1) / 3))
        let round = seed / UInt64(faults.count)
        let count = 1 + round % f
        let first: UInt64 =
            switch behaviour {
            case .equivocate?, .delay?, .forge?: 0
            case .newViewLies?: 1
            default: round % n
            }
        let replicas = (0 ..< count).map { ReplicaID((first + $0 * (n / count)) % n) }.sorted()
        seeded.readOnlyReads = options.readOnlyReads || round % 2 == 1
        seeded.byzantineClient = options.byzantineClient || round % 4 >= 2
        if let behaviour {
            seeded.byzantine = behaviour
            seeded.byzantineReplicas = replicas
        } else {
            seeded.byzantine = nil
            seeded.lastingCrashes = replicas
        }
        return seeded
    }

    /// Runs `options` for every seed in `seeds`; every `ed25519Every`-th seed runs with
    /// real Ed25519 instead of the test signer, so each sweep covers production crypto.
    /// With `rotateByzantine`, each seed gets its Byzantine behaviour and replicas from
    /// `rotatingByzantine`.
    public static func run(
        _ options: SimulationOptions, seeds: some Sequence<UInt64>, ed25519Every: UInt64 = 50, rotateByzantine: Bool = false,
        progress: ((Int, SimulationResult) -> Void)? = nil
    ) -> SweepSummary {
        var summary = SweepSummary()
        for seed in seeds {
            var seeded = rotateByzantine ? rotatingByzantine(options, seed: seed) : options
            seeded.seed = seed
            if ed25519Every > 0, seed % ed25519Every == 0 { seeded.keyScheme = .ed25519 }
            let result = Simulation.run(seeded)
            summary.add(result)
            progress?(summary.seeds, result)
        }
        return summary
    }
}
