import SwarmWire

/// What the security monitor and operators may ask of a replica, and the limits that keep
/// each request from weakening safety:
///
/// - quarantine: ignore a replica proven Byzantine. Ignoring a faulty replica is what a
///   crash of it would look like, which PBFT tolerates; but never more than f, or the
///   remaining replicas could no longer form quorums of correct replicas. The caller
///   proves the fault first (evidence this replica verifies itself, bound to this cluster
///   and epoch) or is an authorised operator. The quarantined set is durable state, in
///   the write-ahead log like the view, so a restart does not hear the offender again.
/// - suspicion of the primary: one requester only shortens this replica's own request
///   timer for the current view, so a lying monitor cannot depose a primary that makes
///   progress; f + 1 distinct requesters (at least one of them correct) start a view
///   change at once, like f + 1 VIEW-CHANGEs do (section 4.5.2's join rule).
/// - timer jitter: drawn from the replica's own seeded generator (the shell seeds it once
///   from real randomness, the simulator from its seed), so a primary cannot time its
///   proposals to just under a known timeout and a run still replays exactly.
public enum QuarantineOutcome: Sendable, Equatable {
    case quarantined
    case alreadyQuarantined
    /// f replicas are already quarantined.
    case refusedLimit
    case refusedSelf
    case notAReplica
}

/// Why a quarantine was asked for.
public enum QuarantineCause: Sendable, Equatable {
    /// Equivocation this replica saw itself.
    case ownEvidence
    /// Equivocation evidence handed to this replica (by a monitor or anyone), verified here.
    case evidence
    /// An authorised operator's command.
    case order
}

/// What a replica did with equivocation evidence handed to it.
public enum EvidenceOutcome: Sendable, Equatable {
    /// It proves nothing here (forged, another cluster or epoch, no conflict).
    case refused(EvidenceError)
    /// Proven; the offender was already quarantined.
    case alreadyQuarantined(SignedSlot)
    /// Proven; the protection level records evidence only.
    case recorded(SignedSlot)
    /// Proven, and a quarantine was attempted.
    case quarantine(SignedSlot, QuarantineOutcome)
}

extension Replica {
    /// How many ticks one timeout jitter draw lasts.
    static var jitterPeriodTicks: Int { 100 }

    /// Starts ignoring every message signed by `replica`, at this replica only: what
    /// verified evidence does (and a wave-1 quarantine file carried over). An admin's
    /// quarantine is ordered instead (`OrderedControl`), so that every correct replica
    /// applies the same one. A quarantined primary is replaced at once (a view change),
    /// since it will not be heard from again.
    public mutating func quarantine(_ replica: ReplicaID) -> (outcome: QuarantineOutcome, directives: [Directive]) {
        var out: [Directive] = []
        let outcome = quarantine(replica, cause: .order, &out)
        return (outcome, out)
    }

    /// Checks equivocation evidence against this cluster's binding and the replicas' keys,
    /// then applies the protection level: quarantine the offender, or record only.
    public mutating func act(on evidence: Evidence) -> (outcome: EvidenceOutcome, directives: [Directive]) {
        var out: [Directive] = []
        let outcome = act(on: evidence, cause: .evidence, &out)
        return (outcome, out)
    }

    @discardableResult
    mutating func act(on evidence: Evidence, cause: QuarantineCause, _ out: inout [Directive]) -> EvidenceOutcome {
        let slot: SignedSlot
        switch EvidenceCheck.verify(evidence, cluster: configuration.cluster, crypto: crypto) {
        case let .success(verified): slot = verified
        case let .failure(error): return .refused(error)
        }
        guard !quarantined.contains(slot.signer) else { return .alreadyQuarantined(slot) }
        out.append(.alert(.evidenceVerified(slot, cause: cause)))
        guard configuration.protection.quarantineOnEvidence else {
            out.append(.alert(.evidenceRecorded(slot)))
            return .recorded(slot)
        }
        return .quarantine(slot, quarantine(slot.signer, cause: cause, &out))
    }

    mutating func quarantine(_ replica: ReplicaID, cause: QuarantineCause, _ out: inout [Directive]) -> QuarantineOutcome {
        let outcome: QuarantineOutcome
        if !configuration.isReplica(replica) {
            outcome = .notAReplica
        } else if replica == id {
            outcome = .refusedSelf
        } else if provenQuarantine.contains(replica) {
            return .alreadyQuarantined
        } else if provenQuarantine.count >= configuration.faultTolerance {
            // Proof beats order: an ordered quarantine gives way to a proven one (below).
            outcome = .refusedLimit
        } else {
            outcome = .quarantined
        }
        guard outcome == .quarantined else {
            out.append(.alert(.quarantine(replica, outcome, cause: cause)))
            return outcome
        }
        provenQuarantine.insert(replica)
        out.append(.persist(.quarantined(provenQuarantine.sorted())))
        out.append(.alert(.quarantine(replica, outcome, cause: cause)))
        refreshQuarantine()
        if replica == primary, status == .normal { startViewChange(to: view + 1, reason: .requested, &out) }
        return outcome
    }

    /// Hears `replica` again, at this replica only (an admin's release is ordered).
    public mutating func release(_ replica: ReplicaID) -> (released: Bool, directives: [Directive]) {
        guard provenQuarantine.remove(replica) != nil else { return (false, []) }
        refreshQuarantine()
        return (true, [.persist(.quarantined(provenQuarantine.sorted()))])
    }

    /// The replicas ignored: the proven ones, then the ordered ones in id order, never
    /// this replica, at most f in all (a replica an order names may be one this replica
    /// proved, or itself: every replica executes the same order).
    mutating func refreshQuarantine() {
        var effective = provenQuarantine.filter { $0 != id }
        for replica in orderedQuarantine.sorted() where replica != id && effective.count < configuration.faultTolerance {
            effective.insert(replica)
        }
        quarantined = effective
        quarantineChanged = false
    }

    /// After a handler: applies what ordered controls it executed, and replaces a primary
    /// that is now quarantined, as a proven quarantine does.
    mutating func settleQuarantine(_ out: inout [Directive]) {
        guard quarantineChanged else { return }
        refreshQuarantine()
        if quarantined.contains(primary), status == .normal { startViewChange(to: view + 1, reason: .requested, &out) }
    }

    /// Executes an ordered control (in sequence, like a request): its effect is
    /// replicated state, and its result the same text at every correct replica.
    mutating func executeOrdered(_ control: OrderedControl, by client: ClientKey, sequence: SequenceNumber, recovered: Bool, _ out: inout [Directive]) -> [UInt8] {
        func text(_ words: String) -> [UInt8] { Array(words.utf8) }
        // A restart re-executes the log: what it decided was recorded the first time.
        func alert(_ alert: Alert) { if !recovered { out.append(.alert(alert)) } }
        guard configuration.adminClients.contains(client) else { return text("refused: the signer is not an admin key") }
        switch control {
        case let .quarantine(target):
            guard configuration.isReplica(target) else { return text("refused: no replica \(target)") }
            guard !orderedQuarantine.contains(target) else { return text("replica \(target) is already quarantined") }
            guard orderedQuarantine.count < configuration.faultTolerance else {
                alert(.quarantine(target, .refusedLimit, cause: .order))
                return text(
                    "refused: at most f = \(configuration.faultTolerance) replicas are quarantined by order, and \(orderedQuarantine.sorted().map(String.init).joined(separator: ", ")) are"
                )
            }
            orderedQuarantine.insert(target)
            quarantineChanged = true
            alert(.quarantine(target, .quarantined, cause: .order))
            return text("replica \(target) is quarantined by every correct replica from sequence \(sequence)")
        case let .release(target):
            let ordered = orderedQuarantine.remove(target) != nil
            // What this replica proved itself is local, durable state: a restart replaying
            // the log must not undo, with this old release, a quarantine proven since (the
            // log's latest `.quarantined` record already holds the release's effect).
            let proven = !recovered && provenQuarantine.remove(target) != nil
            if proven { out.append(.persist(.quarantined(provenQuarantine.sorted()))) }
            quarantineChanged = true
            if ordered || proven { alert(.released(target)) }
            return text(ordered ? "replica \(target) is released from sequence \(sequence)" : "replica \(target) was not quarantined by order; released where proven")
        }
    }

    /// Someone (a monitor, an operator; `requester` names them) suspects the primary of
    /// the current view. Returns the directives of a view change if f + 1 distinct
    /// requesters did so; otherwise the request timer of this view is halved.
    public mutating func suspectPrimary(requester: String) -> [Directive] {
        if suspicion.view != view { suspicion = (view, []) }
        // Bounded: more than n requesters add nothing to the f + 1 rule.
        if suspicion.requesters.count < configuration.replicaCount { suspicion.requesters.insert(requester) }
        var out: [Directive] = []
        guard status == .normal else { return out }
        if suspicion.requesters.count >= configuration.weakQuorum {
            startViewChange(to: view + 1, reason: .requested, &out)
        } else if let deadline = requestDeadline {
            requestDeadline = min(deadline, now + currentRequestTimeoutTicks)
        }
        return out
    }

    /// Seeds the generator that draws the timeout jitter, and draws the first one. The
    /// shell seeds it from real randomness once; the simulator from its seed.
    public mutating func seedTimeoutJitter(_ seed: UInt64) {
        jitterState = seed
        drawTimeoutJitter()
    }

    /// Against a primary that times its proposals to just under a known timeout: extra
    /// request-timeout ticks, up to the protection level's fraction of the timeout.
    mutating func drawTimeoutJitter() {
        let most = Int(Double(configuration.requestTimeoutTicks) * configuration.protection.timeoutJitterFraction)
        guard most > 0 else { timeoutJitterTicks = 0; return }
        // SplitMix64: one word of state, the same stream on every machine.
        jitterState &+= 0x9E37_79B9_7F4A_7C15
        var z = jitterState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        timeoutJitterTicks = Int(z % UInt64(most + 1))
    }

    /// The request timeout in force: the configured one, jittered, and halved in a view
    /// whose primary is suspected.
    var currentRequestTimeoutTicks: Int {
        let base = configuration.requestTimeoutTicks + timeoutJitterTicks
        return suspicion.view == view && !suspicion.requesters.isEmpty ? max(1, base / 2) : base
    }
}
