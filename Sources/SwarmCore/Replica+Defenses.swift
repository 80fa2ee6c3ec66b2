import SwarmWire

/// What the security monitor and operators may ask of a replica, and the limits that keep
/// each request from weakening safety:
///
/// - quarantine: ignore a replica proven Byzantine. Ignoring a faulty replica is what a
///   crash of it would look like, which PBFT tolerates; but never more than f, or the
///   remaining replicas could no longer form quorums of correct replicas. The caller
///   proves the fault first (verified equivocation evidence) or is an authorised operator.
/// - suspicion of the primary: one requester only shortens this replica's own request
///   timer for the current view, so a lying monitor cannot depose a primary that makes
///   progress; f + 1 distinct requesters (at least one of them correct) start a view
///   change at once, like f + 1 VIEW-CHANGEs do (section 4.5.2's join rule).
/// - timer jitter: randomness comes from the shell; the core only adds it to the request
///   timeout, so a primary cannot time its proposals to just under a known timeout.
public enum QuarantineOutcome: Sendable, Equatable {
    case quarantined
    case alreadyQuarantined
    /// f replicas are already quarantined.
    case refusedLimit
    case refusedSelf
    case notAReplica
}

extension Replica {
    /// Starts ignoring every message signed by `replica`. A quarantined primary is
    /// replaced at once (a view change), since it will not be heard from again.
    public mutating func quarantine(_ replica: ReplicaID) -> (outcome: QuarantineOutcome, directives: [Directive]) {
        guard configuration.isReplica(replica) else { return (.notAReplica, []) }
        guard replica != id else { return (.refusedSelf, []) }
        guard !quarantined.contains(replica) else { return (.alreadyQuarantined, []) }
        guard quarantined.count < configuration.faultTolerance else { return (.refusedLimit, []) }
        quarantined.insert(replica)
        var out: [Directive] = []
        if replica == primary, status == .normal { startViewChange(to: view + 1, reason: .requested, &out) }
        return (.quarantined, out)
    }

    /// Hears `replica` again.
    @discardableResult
    public mutating func release(_ replica: ReplicaID) -> Bool {
        quarantined.remove(replica) != nil
    }

    /// Someone (a monitor, an operator; `requester` names them) suspects the primary of
    /// the current view. Returns the directives of a view change if f + 1 distinct
    /// requesters did so; otherwise the request timer of this view is halved.
    public mutating func suspectPrimary(requester: String) -> [Directive] {
        if suspicion.view != view { suspicion = (view, []) }
        suspicion.requesters.insert(requester)
        var out: [Directive] = []
        guard status == .normal else { return out }
        if suspicion.requesters.count >= configuration.weakQuorum {
            startViewChange(to: view + 1, reason: .requested, &out)
        } else if let deadline = requestDeadline {
            requestDeadline = min(deadline, now + currentRequestTimeoutTicks)
        }
        return out
    }

    /// Extra ticks added to the request timeout from now on (the shell draws them at random).
    public mutating func setTimeoutJitter(ticks: Int) {
        precondition(ticks >= 0, "jitter only lengthens timeouts")
        timeoutJitterTicks = ticks
    }

    /// The request timeout in force: the configured one, jittered, and halved in a view
    /// whose primary is suspected.
    var currentRequestTimeoutTicks: Int {
        let base = configuration.requestTimeoutTicks + timeoutJitterTicks
        return suspicion.view == view && !suspicion.requesters.isEmpty ? max(1, base / 2) : base
    }
}
