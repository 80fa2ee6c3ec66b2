import SwarmWire

extension Replica {
    /// Moves to view `newView` and sends VIEW-CHANGE ⟨v+1, n, C, P, i⟩ (section 2.5). From
    /// here on the replica accepts no normal-case message of a lower view.
    mutating func startViewChange(to newView: ViewNumber, reason: ViewChangeReason, _ out: inout [Directive]) {
        guard newView > view else { return }
        view = newView
        status = .changingView
        out.append(.persist(.view(newView, changing: true)))
        sendViewChange(reason: reason, &out)
    }

    /// Signs, persists and broadcasts this replica's VIEW-CHANGE for the view it is changing
    /// to: from `startViewChange`, or after a restart that lost it before it was sent.
    mutating func sendViewChange(reason: ViewChangeReason, _ out: inout [Directive]) {
        precondition(status == .changingView, "a VIEW-CHANGE is sent while changing view")
        let newView = view
        metrics.viewChangesStarted += 1
        requestDeadline = nil
        viewChangeDeadline = nil
        currentNewView = nil
        let prepared = slots.keys.sorted().compactMap { sequence in
            sequence > stable.sequence ? slots[sequence]?.certificate : nil
        }
        for sequence in slots.keys { slots[sequence]!.resetVotesForNewView() }
        let viewChange = sign(.viewChange(ViewChange(sender: id, newView: newView, stableSequence: stable.sequence, checkpointProof: stable.proof, prepared: prepared)))
        ownViewChange = viewChange
        storeViewChange(viewChange, from: id)
        out.append(.persist(.signed(viewChange)))
        out.append(.broadcast(viewChange))
        out.append(.alert(.viewChangeStarted(to: newView, reason: reason)))
        afterViewChangeArrived(&out)
    }

    /// VIEW-CHANGE from another replica: validated, then kept as that sender's latest.
    mutating func onViewChange(_ message: SignedMessage, _ m: ViewChange, _ out: inout [Directive]) {
        guard m.newView <= view + configuration.maxViewsAhead else { metrics.drop(.futureView); return }
        if m.newView < view || (m.newView == view && status == .normal) {
            // The sender is behind: the NEW-VIEW of our view brings it here.
            metrics.drop(.staleView)
            forwardNewView(to: m.sender, &out)
            return
        }
        if let existing = viewChangeMessages[m.sender]?.first(where: { viewOf($0) == m.newView }) {
            if existing.payload != message.payload { reportEquivocation(existing, message, &out) } else { metrics.drop(.duplicate) }
            return
        }
        if let stored = viewChangeMessages[m.sender], stored.count >= 2, let lowest = stored.first.map(viewOf), m.newView < lowest {
            metrics.drop(.staleView)
            return
        }
        if let reason = validateViewChange(m) {
            metrics.drop(.invalidViewChange)
            out.append(.alert(.invalidViewChange(sender: m.sender, view: m.newView, reason: reason)))
            return
        }
        storeViewChange(message, from: m.sender)
        crossCheckCertificates(m, &out)
        joinHigherViewIfNeeded(&out)
        afterViewChangeArrived(&out)
    }

    /// A prepared certificate in a VIEW-CHANGE whose PRE-PREPARE conflicts with one this
    /// replica accepted for the same view and sequence proves that the primary of that view
    /// equivocated: both PRE-PREPAREs carry its signature.
    mutating func crossCheckCertificates(_ m: ViewChange, _ out: inout [Directive]) {
        for certificate in m.prepared {
            guard case let .prePrepare(theirs) = certificate.prePrepare.payload, let slot = slots[theirs.sequence] else { continue }
            for mine in [slot.certificate?.prePrepare, slot.committed?.prePrepare].compactMap({ $0 }) {
                guard case let .prePrepare(ours) = mine.payload, ours.view == theirs.view, ours.digest != theirs.digest else { continue }
                reportEquivocation(mine, certificate.prePrepare, &out)
                return
            }
        }
    }

    /// If f + 1 replicas ask for views above ours, at least one correct replica does: join
    /// the smallest of those views (section 2.5, liveness).
    mutating func joinHigherViewIfNeeded(_ out: inout [Directive]) {
        let higher = viewChangeMessages.compactMap { sender, messages -> ViewNumber? in
            guard sender != id, let latest = messages.last.map(viewOf), latest > view else { return nil }
            return latest
        }.sorted(by: >)
        guard higher.count >= configuration.weakQuorum else { return }
        startViewChange(to: higher[configuration.weakQuorum - 1], reason: .joinedHigherView, &out)
    }

    /// With q VIEW-CHANGEs for the view being entered, the timer starts (so a replica does
    /// not give up on a view before enough replicas tried it), and the new primary sends
    /// NEW-VIEW.
    mutating func afterViewChangeArrived(_ out: inout [Directive]) {
        guard status == .changingView else { return }
        let forView = viewChangesForCurrentView()
        // The timer starts once q replicas have left the old view, whether for this view or
        // a later one, so that replicas that moved on at different times still converge.
        let leftOldView = viewChangeMessages.values.filter { ($0.last.map(viewOf) ?? 0) >= view }.count
        if leftOldView >= configuration.quorum, viewChangeDeadline == nil {
            viewChangeDeadline = now + viewChangeTimeoutTicks
        }
        if primary == id, forView.count >= configuration.quorum {
            sendNewView(Array(forView.prefix(configuration.quorum)), &out)
        }
    }

    func viewChangesForCurrentView() -> [SignedMessage] {
        viewChangeMessages.keys.sorted().compactMap { sender in
            viewChangeMessages[sender]!.first { viewOf($0) == view }
        }
    }

    func viewOf(_ message: SignedMessage) -> ViewNumber {
        guard case let .viewChange(m) = message.payload else { preconditionFailure("only VIEW-CHANGEs are stored") }
        return m.newView
    }

    /// Keeps the two VIEW-CHANGEs of the highest views per sender, in view order.
    mutating func storeViewChange(_ message: SignedMessage, from sender: ReplicaID) {
        var stored = viewChangeMessages[sender] ?? []
        stored.removeAll { viewOf($0) == viewOf(message) }
        stored.append(message)
        stored.sort { viewOf($0) < viewOf($1) }
        viewChangeMessages[sender] = Array(stored.suffix(2))
    }

    var nullDigest: Digest { batchDigest([]) }

    /// What a set V of signed VIEW-CHANGEs determines (min-s, max-s, O): the one
    /// computation the new primary, each backup and a restarted replica share.
    func newViewPlan(from viewChanges: [SignedMessage]) -> NewViewPlan {
        let payloads = viewChanges.compactMap { message -> ViewChange? in
            guard case let .viewChange(m) = message.payload else { return nil }
            return m
        }
        return NewViewPlan.compute(from: payloads, nullDigest: nullDigest)
    }

    /// The new primary builds NEW-VIEW ⟨v+1, V, O⟩ from q view changes and enters the view.
    mutating func sendNewView(_ viewChanges: [SignedMessage], _ out: inout [Directive]) {
        precondition(primary == id && status == .changingView, "only the new primary sends NEW-VIEW")
        let plan = newViewPlan(from: viewChanges)
        let prePrepares = plan.proposals.map { proposal in
            sign(.prePrepare(PrePrepare(sender: id, view: view, sequence: proposal.sequence, digest: proposal.digest, batch: proposal.batch)))
        }
        let newView = sign(.newView(NewView(sender: id, view: view, viewChanges: viewChanges, prePrepares: prePrepares)))
        for prePrepare in prePrepares { out.append(.persist(.signed(prePrepare))) }
        out.append(.persist(.signed(newView)))
        out.append(.broadcast(newView))
        enterView(newView, plan: plan, prePrepares: prePrepares, &out)
    }

    /// NEW-VIEW: a backup checks that V holds q valid VIEW-CHANGEs for the view from
    /// distinct replicas and that O is exactly what V determines, then enters the view.
    mutating func onNewView(_ message: SignedMessage, _ m: NewView, _ out: inout [Directive]) {
        guard m.view > view || (m.view == view && status == .changingView) else {
            metrics.drop(m.view == view ? .duplicate : .staleView)
            return
        }
        guard m.view <= view + configuration.maxViewsAhead else { metrics.drop(.futureView); return }
        guard m.sender == configuration.primary(of: m.view) else { metrics.drop(.notPrimary); return }
        if let reason = validateNewView(m) {
            metrics.drop(.invalidNewView)
            out.append(.alert(.invalidViewChange(sender: m.sender, view: m.view, reason: reason)))
            return
        }
        let plan = newViewPlan(from: m.viewChanges)
        if m.view != view {
            for sequence in slots.keys { slots[sequence]!.resetVotesForNewView() }
        }
        view = m.view
        // The NEW-VIEW itself, before the view record and the PREPAREs for O: a restart
        // in between re-enters this view with it (Replica+Recovery.swift).
        out.append(.persist(.enteredNewView(message)))
        enterView(message, plan: plan, prePrepares: m.prePrepares, &out)
    }

    func validateNewView(_ m: NewView) -> String? {
        var senders = Set<ReplicaID>()
        for message in m.viewChanges {
            guard case let .viewChange(vc) = message.payload else { return "V holds a \(message.kind)" }
            guard vc.newView == m.view else { return "V holds a VIEW-CHANGE for view \(vc.newView)" }
            guard configuration.isReplica(vc.sender), senders.insert(vc.sender).inserted else { return "V counts replica \(vc.sender) twice" }
            guard authentic(message) else { return "V holds a VIEW-CHANGE with an invalid signature" }
            if let reason = validateViewChange(vc) { return "V holds an invalid VIEW-CHANGE from \(vc.sender): \(reason)" }
        }
        guard senders.count >= configuration.quorum else { return "V holds \(senders.count) VIEW-CHANGEs, a quorum is \(configuration.quorum)" }
        let plan = newViewPlan(from: m.viewChanges)
        guard m.prePrepares.count == plan.proposals.count else { return "O holds \(m.prePrepares.count) PRE-PREPAREs, V determines \(plan.proposals.count)" }
        for (message, proposal) in zip(m.prePrepares, plan.proposals) {
            guard case let .prePrepare(pp) = message.payload, pp.sender == m.sender, pp.view == m.view,
                pp.sequence == proposal.sequence, pp.digest == proposal.digest, pp.batch == proposal.batch
            else {
                return "O differs from what V determines at sequence \(proposal.sequence)"
            }
            guard authentic(message) else { return "O holds a PRE-PREPARE with an invalid signature" }
        }
        return nil
    }

    /// A VIEW-CHANGE is valid if its checkpoint proof proves its stable sequence and each
    /// prepared certificate is a PRE-PREPARE of an earlier view from that view's primary,
    /// within the sender's window, with q − 1 matching PREPAREs from distinct backups.
    func validateViewChange(_ m: ViewChange) -> String? {
        if m.stableSequence == 0 {
            guard m.checkpointProof.isEmpty else { return "genesis checkpoint with a proof" }
        } else {
            guard m.stableSequence % configuration.checkpointInterval == 0 else { return "stable sequence \(m.stableSequence) is not a checkpoint" }
            guard verifyCheckpointProof(m.checkpointProof, sequence: m.stableSequence) != nil else { return "checkpoint proof for \(m.stableSequence) does not verify" }
        }
        var sequences = Set<SequenceNumber>()
        for certificate in m.prepared {
            guard case let .prePrepare(pp) = certificate.prePrepare.payload else { return "certificate without PRE-PREPARE" }
            guard pp.view < m.newView else { return "certificate from view \(pp.view), not below \(m.newView)" }
            guard pp.sender == configuration.primary(of: pp.view) else { return "certificate PRE-PREPARE not from the primary of view \(pp.view)" }
            // Compared as a difference: the sum could overflow for a claimed stableSequence
            // near max (its proof is checked above, but the bound must not depend on it).
            guard pp.sequence > m.stableSequence, pp.sequence - m.stableSequence <= configuration.watermarkWindow else {
                return "certificate for sequence \(pp.sequence) outside the window"
            }
            guard sequences.insert(pp.sequence).inserted else { return "two certificates for sequence \(pp.sequence)" }
            guard batchDigest(pp.batch) == pp.digest else { return "certificate batch does not match its digest" }
            guard authentic(certificate.prePrepare) else { return "certificate PRE-PREPARE signature invalid" }
            var voters = Set<ReplicaID>()
            for prepare in certificate.prepares {
                guard case let .prepare(vote) = prepare.payload, vote.view == pp.view, vote.sequence == pp.sequence, vote.digest == pp.digest,
                    vote.sender != pp.sender, configuration.isReplica(vote.sender)
                else { return "certificate PREPARE does not match" }
                guard voters.insert(vote.sender).inserted else { return "certificate counts replica \(vote.sender) twice" }
                guard authentic(prepare) else { return "certificate PREPARE signature invalid" }
            }
            guard voters.count >= configuration.quorum - 1 else { return "certificate for \(pp.sequence) has \(voters.count) PREPAREs, needs \(configuration.quorum - 1)" }
        }
        return nil
    }

    /// Enters the view of an accepted NEW-VIEW: adopts its checkpoint, accepts the
    /// re-proposed PRE-PREPAREs of O and votes for them.
    mutating func enterView(_ newView: SignedMessage, plan: NewViewPlan, prePrepares: [SignedMessage], _ out: inout [Directive]) {
        status = .normal
        currentNewView = newView
        viewChangeDeadline = nil
        ownViewChange = nil
        viewChangeMessages = viewChangeMessages.compactMapValues { messages in
            let kept = messages.filter { viewOf($0) > view }
            return kept.isEmpty ? nil : kept
        }
        out.append(.persist(.view(view, changing: false)))
        out.append(.enteredView(view))
        pool.unmarkAllProposed()
        lastAssigned = max(plan.maxSequence, plan.minSequence, stable.sequence)
        if plan.minSequence > stable.sequence {
            if let own = ownCheckpoints[plan.minSequence], verifyCheckpointProof(plan.checkpointProof, sequence: plan.minSequence) == own.digest {
                makeStable(
                    StableCheckpoint(sequence: plan.minSequence, stateDigest: own.digest, proof: plan.checkpointProof, snapshot: own.snapshot), manifest: own.manifest,
                    propose: false, &out)
            } else if lastExecuted < plan.minSequence {
                startStateTransfer(candidates: plan.checkpointProof.compactMap(\.payload.replicaSender), &out)
            }
        }
        for message in prePrepares {
            guard case let .prePrepare(pp) = message.payload, inWindow(pp.sequence) else { continue }
            accept(message, pp, &out)
        }
        if !pool.isEmpty { requestDeadline = now + currentRequestTimeoutTicks }
        if isPrimary { proposeBatches(&out, force: true) }
    }

    /// Sends the current view's NEW-VIEW to a replica that is still changing to it or
    /// behind it, at most once per retransmission period per replica.
    mutating func forwardNewView(to replica: ReplicaID, _ out: inout [Directive]) {
        guard status == .normal, let newView = currentNewView else { return }
        if let last = newViewForwardedTick[replica], now - last < configuration.retransmitTicks { return }
        newViewForwardedTick[replica] = now
        out.append(.send(newView, to: replica))
    }
}
