import SwarmCore
import SwarmMonitorCore
import SwarmWire

/// ACCEPTANCE 15: labelled runs. Each label is a Byzantine behaviour with known
/// offenders (or an honest cluster under ordinary faults); a run counts as detected when
/// the monitor reports every offender with a finding of the kind the behaviour calls for.
/// Against honest replicas a proven finding is a bug (the bar is 0); suspicions are
/// counted and reported as the false-suspicion rate.
public enum Label: String, Sendable, CaseIterable {
    case equivocate
    case doubleVote = "double-vote"
    case flood
    case selective
    case delay
    case coordinated
    case honest

    /// The run for `seed`: n = 4 with one offender, or n = 7 (f = 2) for the coordinated
    /// pair, which both send their votes to the same half of the replicas only.
    public func options(seed: UInt64, protectionLevel: ProtectionLevel = .standard) -> SimulationOptions {
        var options: SimulationOptions
        switch self {
        case .equivocate: options = SimulationOptions(replicaCount: 4, byzantine: .equivocate, byzantineReplicas: [0])
        case .doubleVote: options = SimulationOptions(replicaCount: 4, byzantine: .doubleVote, byzantineReplicas: [2])
        case .flood: options = SimulationOptions(replicaCount: 4, byzantine: .flood, byzantineReplicas: [1])
        case .selective: options = SimulationOptions(replicaCount: 4, byzantine: .selective, byzantineReplicas: [3])
        case .delay: options = SimulationOptions(replicaCount: 4, byzantine: .delay, byzantineReplicas: [0])
        case .coordinated: options = SimulationOptions(replicaCount: 7, byzantine: .selective, byzantineReplicas: [1, 2])
        case .honest: options = SimulationOptions(replicaCount: 4)
        }
        options.seed = seed
        options.protectionLevel = protectionLevel
        return options
    }

    public var offenders: Set<ReplicaID> {
        self == .honest ? [] : Set(options(seed: 0).byzantineReplicas)
    }

    /// Whether the findings of one run name every offender the way this label calls for.
    public func detected(in findings: [Finding]) -> Bool {
        switch self {
        case .honest:
            return true
        case .coordinated:
            return findings.contains { if case let .coordinated(replicas, _) = $0 { offenders.isSubset(of: Set(replicas)) } else { false } }
        default:
            let kinds = expectedKinds
            return offenders.allSatisfy { offender in findings.contains { kinds.contains($0.name) && $0.accused.contains(offender) } }
        }
    }

    var expectedKinds: Set<String> {
        switch self {
        case .equivocate, .doubleVote: ["equivocation"]
        case .flood: ["flooding", "excessive-rate", "repeated-content"]
        case .selective: ["selective-participation"]
        case .delay: ["timing-manipulation"]
        case .coordinated: ["coordinated"]
        case .honest: []
        }
    }
}

/// Totals of a labelled sweep.
public struct LabelledSummary: Sendable, CustomStringConvertible {
    public var label: Label
    public var protectionLevel: ProtectionLevel
    public var seeds = 0
    public var detected = 0
    /// Seeds whose offenders went undetected (the first 20).
    public var missed: [UInt64] = []
    /// Proven findings against honest replicas: MUST stay 0.
    public var provenAgainstHonest = 0
    public var provenAgainstHonestSeeds: [UInt64] = []
    /// Runs with at least one suspicion against an honest replica, and the suspicions by kind.
    public var runsSuspectingHonest = 0
    public var suspicionsAgainstHonest: [String: Int] = [:]
    public var safetyViolations = 0
    public var threatLevels: [ThreatLevel: Int] = [:]
    public var responses: [String: Int] = [:]

    public init(label: Label, protectionLevel: ProtectionLevel) {
        self.label = label
        self.protectionLevel = protectionLevel
    }

    public var detectionRate: Double { seeds == 0 ? 0 : Double(detected) / Double(seeds) }
    public var falseSuspicionRate: Double { seeds == 0 ? 0 : Double(runsSuspectingHonest) / Double(seeds) }

    public mutating func add(_ result: SimulationResult) {
        let label = self.label
        seeds += 1
        if !result.passed { safetyViolations += 1 }
        let findings = result.monitorFindings.map(\.finding)
        if label.detected(in: findings) { detected += 1 } else if missed.count < 20 { missed.append(result.options.seed) }
        // The replicas' own equivocation alerts carry signed proof too: one against an
        // honest replica counts as a proven finding against it.
        for (replica, count) in result.accused where !label.offenders.contains(replica) {
            provenAgainstHonest += count
            if provenAgainstHonestSeeds.count < 20 { provenAgainstHonestSeeds.append(result.options.seed) }
        }
        var suspected = false
        for finding in findings {
            // A coordination finding that includes an offender is about the offender.
            let honest = finding.accused.filter { !label.offenders.contains($0) }
            guard !honest.isEmpty, !(finding.name == "coordinated" && finding.accused.contains(where: label.offenders.contains)) else { continue }
            if finding.certainty == .proven {
                provenAgainstHonest += 1
                if provenAgainstHonestSeeds.count < 20 { provenAgainstHonestSeeds.append(result.options.seed) }
            } else {
                suspected = true
                suspicionsAgainstHonest[finding.name, default: 0] += 1
            }
        }
        if suspected { runsSuspectingHonest += 1 }
        threatLevels[result.highestThreat, default: 0] += 1
        for response in result.monitorResponses { responses[response.name, default: 0] += 1 }
    }

    public var description: String {
        func percent(_ x: Double) -> String { "\(Double(Int(x * 10000)) / 100) %" }
        var text = "\(label.rawValue) (\(protectionLevel.rawValue)): seeds \(seeds)"
        if label != .honest { text += ", detected \(detected) (\(percent(detectionRate)))" }
        text += ", proven findings against honest replicas \(provenAgainstHonest), runs suspecting an honest replica \(runsSuspectingHonest) (\(percent(falseSuspicionRate)))"
        if !suspicionsAgainstHonest.isEmpty { text += " [" + suspicionsAgainstHonest.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "]" }
        text += ", safety violations \(safetyViolations)"
        text += ", highest threat " + ThreatLevel.allCases.compactMap { level in threatLevels[level].map { "\(level) \($0)" } }.joined(separator: ", ")
        if !responses.isEmpty { text += ", responses " + responses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        if !missed.isEmpty { text += "\n  missed seeds: \(missed.map(String.init).joined(separator: " "))" }
        if !provenAgainstHonestSeeds.isEmpty { text += "\n  proven findings against honest replicas in seeds: \(provenAgainstHonestSeeds.map(String.init).joined(separator: " "))" }
        return text
    }
}

extension Response {
    public var name: String {
        switch self {
        case .quarantine: "quarantine"
        case .rateLimit: "rate-limit"
        case .requestViewChange: "view-change-request"
        case .randomiseTimeouts: "randomise-timeouts"
        }
    }
}

extension Sweep {
    /// Runs the labelled behaviour for every seed; every 50th seed with real Ed25519.
    /// `profile`, when given, replaces the level's profile (negative controls).
    public static func labelled(
        _ label: Label, seeds: some Sequence<UInt64>, protectionLevel: ProtectionLevel = .standard, profile: ProtectionProfile? = nil, ed25519Every: UInt64 = 50,
        progress: ((Int, SimulationResult) -> Void)? = nil
    ) -> LabelledSummary {
        var summary = LabelledSummary(label: label, protectionLevel: protectionLevel)
        for seed in seeds {
            var options = label.options(seed: seed, protectionLevel: protectionLevel)
            options.monitorProfileOverride = profile
            if ed25519Every > 0, seed % ed25519Every == 0 { options.keyScheme = .ed25519 }
            let result = Simulation.run(options)
            summary.add(result)
            progress?(summary.seeds, result)
        }
        return summary
    }
}
