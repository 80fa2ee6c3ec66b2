import SwarmCore
import SwarmWire

/// The security monitor core: every detector behind one entry point, pure like the
/// replica core (etcd's `Step` and `tick`, SWIM's handlers). Tap observations and ticks
/// in; findings out, plus anomaly scores, a threat level and recommended responses that
/// the shell drains and executes. No clock, no I/O: time comes from the observations and
/// from `tick(nowMicroseconds:)`, so the simulator drives the same code as the monitor
/// process and a seed replays exactly.
public struct SecurityMonitor: Sendable {
    public let configuration: Configuration
    public let profile: ProtectionProfile
    let crypto: any ProtocolCrypto
    var equivocation: EquivocationDetector
    var flooding: FloodingDetector
    var rate: MessageRateDetector
    var selective: SelectiveParticipationDetector?
    var timing: TimingDetector
    var coordination: CoordinationDetector
    var partition: PartitionDetector

    /// Messages already handed to the content detectors: each tap reports a message once
    /// per replica that sent or received it, and content needs seeing once.
    /// Frames seen lately, by hash only: one frame arrives from every replica's tap, and
    /// is judged once. Keeping the frames themselves let 20 distinct 40 MiB frames take
    /// the monitor from 440 MiB to 2 GiB (issue 15, finding 2); a hash is 8 bytes. The
    /// hash seed is per process, so nobody can aim a collision at it.
    var recentFrames = Set<Int>()
    var recentOrder: [Int] = []
    let recentCapacity = 4096

    var rawScores: [ReplicaID: (score: Double, atMicroseconds: UInt64)] = [:]
    public private(set) var provenFaulty = Set<ReplicaID>()
    /// Replicas accused by at least one finding.
    public private(set) var flagged = Set<ReplicaID>()
    public private(set) var quarantined = Set<ReplicaID>()
    public private(set) var nowMicroseconds: UInt64 = 0
    /// The latest time any tap reported: how far the monitor has seen. Slots settle on
    /// this clock, not on `tick`'s, so a monitor that falls behind its taps under load
    /// does not count the votes still queued for it as withheld.
    public private(set) var horizonMicroseconds: UInt64 = 0
    var pendingResponses: [Response] = []
    var lastResponse: [String: UInt64] = [:]

    /// `tickMicroseconds` is the replicas' tick, to turn the configuration's timeouts
    /// (in ticks) into time.
    public init(configuration: Configuration, crypto: any ProtocolCrypto, profile: ProtectionProfile, tickMicroseconds: UInt64) {
        self.configuration = configuration
        self.profile = profile
        self.crypto = crypto
        equivocation = EquivocationDetector(crypto: crypto)
        flooding = FloodingDetector(configuration: configuration, crypto: crypto, threshold: profile.farFutureThreshold)
        rate = MessageRateDetector(
            configuration: configuration, windowMicroseconds: profile.rateWindowMicroseconds, maxMessages: profile.maxMessagesPerWindow, maxRepeats: profile.maxRepeatsPerWindow)
        let retransmitMicroseconds = UInt64(configuration.retransmitTicks) * tickMicroseconds
        selective = profile.selectiveMissStreak.map {
            SelectiveParticipationDetector(
                configuration: configuration, missStreak: $0, settleMicroseconds: 3 * retransmitMicroseconds, linkGraceMicroseconds: profile.partitionGapMicroseconds)
        }
        timing = TimingDetector(
            configuration: configuration, requestTimeoutMicroseconds: UInt64(configuration.requestTimeoutTicks) * tickMicroseconds, samples: profile.timingSamples,
            timeoutFraction: profile.timingTimeoutFraction, baselineFactor: profile.timingBaselineFactor)
        coordination = CoordinationDetector(windowMicroseconds: profile.coordinationWindowMicroseconds, minimumWindows: profile.coordinationMinimumWindows)
        partition = PartitionDetector(configuration: configuration, gapMicroseconds: profile.partitionGapMicroseconds)
    }

    /// MUST be called for every tap observation, in the order the monitor received them.
    public mutating func observe(_ observation: Observation) -> [Finding] {
        nowMicroseconds = max(nowMicroseconds, observation.timeMicroseconds)
        horizonMicroseconds = max(horizonMicroseconds, observation.timeMicroseconds)
        var findings: [Finding] = []
        var anomalies: [Anomaly] = []
        let frameHash = observation.message.hashValue
        if recentFrames.insert(frameHash).inserted {
            recentOrder.append(frameHash)
            if recentOrder.count > recentCapacity { recentFrames.remove(recentOrder.removeFirst()) }
            let equivocations = equivocation.observe(observation.message)
            findings += equivocations
            let signer = observation.message.payload.replicaSender
            let farBefore = signer.map { flooding.farMessages[$0] ?? 0 } ?? 0
            findings += flooding.observe(observation.message)
            if let signer, (flooding.farMessages[signer] ?? 0) > farBefore {
                anomalies.append(Anomaly(replica: signer, timeMicroseconds: observation.timeMicroseconds, weight: 1))
            }
        }
        findings += rate.observe(observation)
        // Far-future votes would fill the selective detector's bounded slot table.
        if flooding.isFarFuture(observation.message.payload) != true { selective?.observe(observation) }
        let timed = timing.observe(observation)
        findings += timed.findings
        anomalies += timed.anomalies
        partition.observe(observation)
        return conclude(findings, anomalies)
    }

    /// SHOULD be called periodically (every replica tick is plenty): slots settle, links
    /// time out, scores decay.
    public mutating func tick(nowMicroseconds now: UInt64) -> [Finding] {
        nowMicroseconds = max(nowMicroseconds, now)
        var findings: [Finding] = []
        var anomalies: [Anomaly] = []
        if var detector = selective {
            let settled = detector.tick(nowMicroseconds: horizonMicroseconds)
            selective = detector
            findings += settled.findings
            anomalies += settled.anomalies
        }
        findings += partition.tick(nowMicroseconds: nowMicroseconds)
        return conclude(findings, anomalies)
    }

    /// What a socket monitor in a replica's shell saw on its link from `peer`.
    public mutating func reportConnectivity(observer: ReplicaID, peer: ReplicaID, connected: Bool, nowMicroseconds now: UInt64) {
        nowMicroseconds = max(nowMicroseconds, now)
        partition.reportConnectivity(observer: observer, peer: peer, connected: connected, nowMicroseconds: nowMicroseconds)
    }

    /// The responses recommended since the last call, oldest first.
    public mutating func takeResponses() -> [Response] {
        defer { pendingResponses = [] }
        return pendingResponses
    }

    /// A manual override (`swarmbft admin release`): the replica is no longer quarantined.
    public mutating func release(_ replica: ReplicaID) {
        quarantined.remove(replica)
    }

    // MARK: Scores and threat level

    /// The replica's anomaly score now: the sum of its anomalies' and findings' weights,
    /// halving every `scoreHalfLifeMicroseconds`.
    public func score(of replica: ReplicaID) -> Double {
        guard let entry = rawScores[replica] else { return 0 }
        let elapsed = Double(nowMicroseconds - entry.atMicroseconds)
        return entry.score * pow2(-elapsed / Double(profile.scoreHalfLifeMicroseconds))
    }

    public var scores: [ReplicaID: Double] {
        Dictionary(uniqueKeysWithValues: rawScores.keys.map { ($0, score(of: $0)) })
    }

    public var threatLevel: ThreatLevel {
        ThreatLevel.assess(
            scores: scores, provenFaulty: provenFaulty.count, faultTolerance: configuration.faultTolerance, partitioned: !(partition.reported?.unreachable.isEmpty ?? true),
            quorumConnected: partition.quorumConnected)
    }

    /// The view most replicas are in: the (f + 1)-th highest view any replica signed in.
    public var currentView: ViewNumber { flooding.robust(flooding.highestView) ?? 0 }

    mutating func addScore(_ replica: ReplicaID, _ weight: Double) {
        rawScores[replica] = (score(of: replica) + weight, nowMicroseconds)
    }

    /// Weights: a proof makes a replica "high" at once; a suspicion needs company.
    static func weight(of finding: Finding) -> Double {
        switch finding.certainty {
        case .proven: ThreatLevel.highScore
        case .suspected: 25
        }
    }

    // MARK: Responses

    mutating func conclude(_ findings: [Finding], _ anomalies: [Anomaly]) -> [Finding] {
        var all = findings
        for finding in findings {
            for replica in finding.accused {
                addScore(replica, SecurityMonitor.weight(of: finding))
                flagged.insert(replica)
                if finding.certainty == .proven { provenFaulty.insert(replica) }
                // A proof is an anomaly too; suspicions send theirs as they accumulate.
                if finding.certainty == .proven { coordination.record(Anomaly(replica: replica, timeMicroseconds: nowMicroseconds, weight: 0)) }
            }
        }
        for anomaly in anomalies {
            addScore(anomaly.replica, anomaly.weight)
            coordination.record(anomaly)
        }
        // Only replicas already under a finding are correlated: stray anomalies of honest
        // replicas (a lost vote, a slow proposal) coincide by chance under partitions.
        if !findings.isEmpty || !anomalies.isEmpty { all += coordination.evaluate(flagged: flagged) }
        for finding in all { respond(to: finding) }
        return all
    }

    /// Whether a response of `kind` about `replica` is out of its cooldown; records it if so.
    mutating func cooled(_ kind: String, _ replica: ReplicaID) -> Bool {
        let key = "\(kind)/\(replica)"
        if let last = lastResponse[key], nowMicroseconds < last + profile.responseCooldownMicroseconds { return false }
        lastResponse[key] = nowMicroseconds
        return true
    }

    mutating func respond(to finding: Finding) {
        switch finding {
        case let .equivocation(evidence):
            // Quarantine only on evidence that verifies, and never more than f: f + 1
            // quarantined replicas could be honest ones, which would cost liveness.
            guard profile.automaticQuarantine, case let .success(slot) = EvidenceCheck.verify(evidence, cluster: configuration.cluster, crypto: crypto),
                !quarantined.contains(slot.signer), quarantined.count < configuration.faultTolerance
            else { return }
            quarantined.insert(slot.signer)
            pendingResponses.append(.quarantine(replica: slot.signer, evidence: evidence))
            requestViewChangeIfPrimary(slot.signer, reason: finding.name)
        case let .flooding(replica, _), let .excessiveRate(replica, _, _), let .repeatedContent(replica, _, _):
            guard profile.rateLimiting, cooled("rate-limit", replica) else { return }
            pendingResponses.append(
                .rateLimit(replica: replica, messagesPerSecond: profile.rateLimitMessagesPerSecond, durationMicroseconds: profile.rateLimitDurationMicroseconds))
        case let .timingManipulation(primary, _, _):
            if profile.randomisedTimeouts, cooled("randomise-timeouts", primary) {
                pendingResponses.append(.randomiseTimeouts(jitterFraction: profile.timeoutJitterFraction, durationMicroseconds: profile.responseCooldownMicroseconds))
            }
            requestViewChangeIfPrimary(primary, reason: finding.name)
        case let .selectiveParticipation(replica, _, _):
            requestViewChangeIfPrimary(replica, reason: finding.name)
        case .coordinated, .partition:
            break
        }
    }

    mutating func requestViewChangeIfPrimary(_ replica: ReplicaID, reason: String) {
        let view = currentView
        guard profile.viewChangeRequests, configuration.primary(of: view) == replica, cooled("view-change", replica) else { return }
        pendingResponses.append(.requestViewChange(view: view, suspectedPrimary: replica, reason: reason))
    }
}

/// 2^x without Foundation: the core stays free of platform imports.
func pow2(_ x: Double) -> Double {
    guard x > -64 else { return 0 }
    let whole = x.rounded(.down)
    let fraction = x - whole
    // e^(f ln 2) by a short series; f is in [0, 1).
    let y = fraction * 0.693_147_180_559_945_3
    var term = 1.0, sum = 1.0
    for k in 1 ... 12 {
        term *= y / Double(k)
        sum += term
    }
    return sum * Double(sign: .plus, exponent: Int(whole), significand: 1)
}
