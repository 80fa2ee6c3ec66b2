import SwarmCore
import SwarmFaults
import SwarmMonitorCore
import SwarmWire

/// What one simulated run does. Everything not given here is drawn from the seed.
public struct SimulationOptions: Sendable {
    public var replicaCount: Int
    public var seed: UInt64
    /// Replica ids 0 ..< twins get a second copy with the same key and identity.
    public var twins: Int
    public var byzantine: Misbehavior?
    /// Which replicas behave as `byzantine`; default: replica 0 (the first primary).
    public var byzantineReplicas: [ReplicaID]
    public var keyScheme: SimulatedKeys.Scheme
    /// Negative controls: bugs planted through the simulator's seams (PlantedFault.swift).
    public var plantedFaults: Set<PlantedFault>
    public var clientCount: Int
    public var requestsPerClient: Int
    /// Random network and crash faults during the safety phase.
    public var faults: Bool
    public var safetyPhaseTime: Int
    public var trace: Bool
    /// The replicas' and the monitor's protection level.
    public var protectionLevel: ProtectionLevel = .standard

    /// Test-only: a hand-made monitor profile instead of the level's (negative controls
    /// plant wrong thresholds here).
    public var monitorProfileOverride: ProtectionProfile?

    /// Test-only: client 0 is an admin and first orders these replicas quarantined, one
    /// ordered control each, executed in sequence (the core applies at most f of them).
    /// A negative control for the quarantine invariants: ordering a correct replica
    /// quarantined must be caught.
    public var orderedQuarantine: [ReplicaID] = []

    /// Replicas that crash once, at a time drawn from the seed during the safety phase,
    /// and never restart (issue 14, lasting crashes): with the Byzantine ones at most f,
    /// so L1 must hold with the n − f that remain. They stay under the safety checks.
    public var lastingCrashes: [ReplicaID] = []

    /// Gets go out as read-only requests (section 5.1.3: answered from the current state,
    /// accepted on q matching replies), and every accepted read is checked against the
    /// writes completed before it was issued (Checker.onReadAccepted). Off by default so
    /// that pinned runs (traces, regression seeds, labelled sweeps) keep their workload;
    /// `--byzantine all` turns it on for every other round of behaviours.
    public var readOnlyReads = false

    /// After each completed write a client reads the key straight back, on the read-only
    /// path (read-your-writes, what an agent does after storing a plan): the read a write
    /// completed on too few replies would miss. Implies `readOnlyReads`.
    public var readBack = false

    /// One Byzantine client besides the honest ones (issue 14): it signs two different
    /// operations under one request id and sends each to half the replicas, and sends
    /// requests from fresh identities (a pool of 32). Its operations touch their own
    /// namespace; S1, S2 (each executed request signed, executed once) hold for it too.
    public var byzantineClient = false

    var monitorProfile: ProtectionProfile { monitorProfileOverride ?? ProtectionProfile.profile(for: protectionLevel) }

    public init(
        replicaCount: Int = 4,
        seed: UInt64 = 1,
        twins: Int = 0,
        byzantine: Misbehavior? = nil,
        byzantineReplicas: [ReplicaID] = [0],
        keyScheme: SimulatedKeys.Scheme = .test,
        plantedFaults: Set<PlantedFault> = [],
        clientCount: Int = 4,
        requestsPerClient: Int = 8,
        faults: Bool = true,
        safetyPhaseTime: Int = 4000,
        trace: Bool = false
    ) {
        self.replicaCount = replicaCount
        self.seed = seed
        self.twins = twins
        self.byzantine = byzantine
        self.byzantineReplicas = byzantineReplicas
        self.keyScheme = keyScheme
        self.plantedFaults = plantedFaults
        self.clientCount = clientCount
        self.requestsPerClient = requestsPerClient
        self.faults = faults
        self.safetyPhaseTime = safetyPhaseTime
        self.trace = trace
    }

    /// The command that replays this run.
    public var replayCommand: String {
        var words = ["swarmbft simulate --replicas \(replicaCount) --seed \(seed) --trace"]
        if twins > 0 { words.append("--twins \(twins)") }
        if let byzantine { words.append("--byzantine \(byzantine.rawValue) --byzantine-replicas \(byzantineReplicas.map(String.init).joined(separator: ","))") }
        if keyScheme == .ed25519 { words.append("--ed25519") }
        if !faults { words.append("--no-faults") }
        for fault in plantedFaults.sorted() { words.append("--planted-fault \(fault.rawValue)") }
        if clientCount != 4 { words.append("--clients \(clientCount)") }
        if requestsPerClient != 8 { words.append("--requests \(requestsPerClient)") }
        if protectionLevel != .standard { words.append("--protection-level \(protectionLevel.rawValue)") }
        if !lastingCrashes.isEmpty { words.append("--lasting-crashes \(lastingCrashes.map(String.init).joined(separator: ","))") }
        if readOnlyReads { words.append("--read-only-reads") }
        if readBack { words.append("--read-back") }
        if byzantineClient { words.append("--byzantine-client") }
        if !orderedQuarantine.isEmpty { words.append("--order-quarantine \(orderedQuarantine.map(String.init).joined(separator: ","))") }
        return words.joined(separator: " ")
    }
}

/// The faults of one run, drawn from its seed (ACCEPTANCE scenario 1): loss 0–30 %,
/// duplication 0–50 %, delay and so reordering, symmetric, asymmetric and one-way
/// partitions, crashes with restarts (possibly between persist and send), clock skew.
public struct FaultProfile: Sendable, CustomStringConvertible {
    public var lossProbability: Double = 0
    public var duplicationProbability: Double = 0
    public var minimumDelay = 1
    public var maximumDelay = 5
    public var partitions = false
    public var partitionPeriod = 400
    public var crashes = false
    public var crashProbabilityPerPeriod = 0.0
    public var tickPeriods: [Int] = []

    static func draw(_ random: inout SeededRandom, nodeCount: Int, enabled: Bool) -> FaultProfile {
        var profile = FaultProfile()
        profile.tickPeriods = (0 ..< nodeCount).map { _ in enabled ? random.int(7 ... 13) : 10 }
        guard enabled else { return profile }
        profile.lossProbability = random.double(0 ... 0.3)
        profile.duplicationProbability = random.double(0 ... 0.5)
        profile.minimumDelay = random.int(1 ... 3)
        profile.maximumDelay = profile.minimumDelay + random.int(1 ... 40)
        profile.partitions = random.chance(0.6)
        profile.partitionPeriod = random.int(100 ... 800)
        profile.crashes = random.chance(0.5)
        profile.crashProbabilityPerPeriod = random.double(0.05 ... 0.3)
        return profile
    }

    public var description: String {
        let loss = Int(lossProbability * 100), duplication = Int(duplicationProbability * 100)
        return
            "loss \(loss)% dup \(duplication)% delay \(minimumDelay)-\(maximumDelay) partitions \(partitions ? "every \(partitionPeriod)" : "off") crashes \(crashes ? "on" : "off")"
    }
}
