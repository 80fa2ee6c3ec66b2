import SwarmWire

extension Replica {
    /// Rebuilds a replica after a crash from what it persisted (section 4.2 of the TOCS
    /// paper): the stable checkpoint's snapshot, its view, its own signed messages (so it
    /// never signs a different message for a slot it already voted in: S4), the PRE-PREPAREs
    /// it accepted, its prepared certificates and the committed batches. Call `recover()`
    /// next to re-execute the committed batches.
    public init(restoring durable: DurableState, configuration: Configuration, id: ReplicaID, crypto: any ProtocolCrypto, service: Service) throws(ServiceError) {
        self.init(configuration: configuration, id: id, crypto: crypto, service: service)
        // A log is input too (another build, a disk, a hand): sequences and views it names
        // must leave room for the arithmetic the replica does on its own state (h + L,
        // v + 1), or a bad log would trap the replica at every start instead of refusing.
        let headroom = UInt64.max / 2
        if let checkpoint = durable.stable, checkpoint.sequence > headroom || checkpoint.sequence % configuration.checkpointInterval != 0 {
            throw ServiceError("durable checkpoint \(checkpoint.sequence) is no checkpoint a replica can reach")
        }
        guard durable.view <= headroom else { throw ServiceError("durable view \(durable.view) is beyond any view a replica can reach") }
        if let checkpoint = durable.stable {
            let decoded: ReplicaSnapshot.Decoded
            do { decoded = try ReplicaSnapshot.decode(checkpoint.snapshot, limits: configuration.wireLimits) } catch {
                throw ServiceError("durable checkpoint \(checkpoint.sequence) is malformed: \(error)")
            }
            // The state must be the one q replicas certified: a log is input, and a state
            // that is not would make this replica sign CHECKPOINTs no one else matches.
            let manifest = stateManifest(of: checkpoint.snapshot)
            guard stateDigest(of: manifest) == checkpoint.stateDigest else {
                throw ServiceError("durable checkpoint \(checkpoint.sequence): its state does not hash to its certified digest")
            }
            try self.service.restore(decoded.service)
            clients = decoded.clients
            orderedQuarantine = decoded.orderedQuarantine
            stable = checkpoint
            stableManifest = manifest
            lastExecuted = checkpoint.sequence
            lastAssigned = checkpoint.sequence
        }
        view = durable.view
        status = durable.changing ? .changingView : .normal
        // A log written by another build or edited by hand may name anything; keep what
        // the quarantine rule itself would have allowed.
        for offender in durable.quarantined where configuration.isReplica(offender) && offender != id && provenQuarantine.count < configuration.faultTolerance {
            provenQuarantine.insert(offender)
        }
        refreshQuarantine()
        for (sequence, certificate) in durable.prepared where inWindow(sequence) {
            slots[sequence, default: Slot()].certificate = certificate
        }
        for (sequence, entry) in durable.committed where inWindow(sequence) {
            slots[sequence, default: Slot()].committed = entry
        }
        for (sequence, message) in durable.accepted where inWindow(sequence) {
            guard case let .prePrepare(m) = message.payload, m.view == view, status == .normal else { continue }
            slots[sequence, default: Slot()].prePrepare = message
            slots[sequence]!.digest = m.digest
        }
        for message in durable.signed {
            switch message.payload {
            case let .prePrepare(m) where m.view == view && m.sequence > stable.sequence:
                // A new primary signs all of O, also beyond its own window when its stable
                // checkpoint lags min-s; it must never reuse those sequences, but it keeps
                // log entries only inside its window.
                lastAssigned = max(lastAssigned, m.sequence)
                guard status == .normal, inWindow(m.sequence) else { continue }
                slots[m.sequence, default: Slot()].prePrepare = message
                slots[m.sequence]!.digest = m.digest
            case let .prepare(m) where m.view == view && inWindow(m.sequence):
                slots[m.sequence, default: Slot()].prepares[id] = message
            case let .commit(m) where m.view == view:
                // The latest COMMIT it signed in this view, also the one of its stable
                // checkpoint's sequence: what its idle heartbeat re-sends (seed 7458).
                if case let .commit(last)? = lastOwnCommit?.payload, last.sequence >= m.sequence {} else { lastOwnCommit = message }
                guard inWindow(m.sequence) else { continue }
                slots[m.sequence, default: Slot()].commits[id] = message
                slots[m.sequence]!.sentCommit = true
                if slots[m.sequence]!.certificateView == view { slots[m.sequence]!.preparedInView = true }
            case let .viewChange(m) where m.newView == view && status == .changingView:
                ownViewChange = message
                storeViewChange(message, from: id)
            default:
                continue
            }
        }
        // The NEW-VIEW it entered its latest view with: its own (a primary's `.signed`) or
        // one it accepted (`.enteredNewView`). A restart between that record and the view
        // record leaves the log changing to (or below) that view: the replica re-enters it
        // with the same NEW-VIEW, never computes a second one (issue 14, defects A and E).
        let entered = (durable.signed.filter { $0.kind == .newView } + [durable.enteredNewView].compactMap { $0 })
            .max { Self.viewOfNewView($0) < Self.viewOfNewView($1) }
        if let entered, Self.viewOfNewView(entered) > headroom {
            throw ServiceError("durable NEW-VIEW for view \(Self.viewOfNewView(entered)) is beyond any view a replica can reach")
        }
        if let entered, Self.viewOfNewView(entered) >= view {
            if Self.viewOfNewView(entered) > view || status == .changingView {
                reenteringNewView = entered
            } else {
                currentNewView = entered
            }
        }
    }

    static func viewOfNewView(_ message: SignedMessage) -> ViewNumber {
        guard case let .newView(m) = message.payload else { preconditionFailure("only NEW-VIEWs are asked for their view") }
        return m.view
    }

    /// Re-executes the committed batches after the stable checkpoint, in order.
    public mutating func recover() -> [Directive] {
        var out: [Directive] = []
        executeReady(&out, recovered: true)
        refreshQuarantine()
        if let entered = reenteringNewView, case let .newView(m) = entered.payload {
            reenteringNewView = nil
            reenterView(entered, m, &out)
        } else if status == .changingView, ownViewChange == nil {
            // The log holds the view change but not the VIEW-CHANGE (a crash between the two
            // records): it was never sent, so signing it now is the first and only one for
            // this view; without it nothing would (issue 14, defect B).
            sendViewChange(reason: .restarted, &out)
        } else if status == .normal, let newView = currentNewView, case let .newView(m) = newView.payload, m.view == view {
            // O's PRE-PREPAREs whose acceptance the crash cut off.
            acceptMissing(m.prePrepares, &out)
        }
        // A quarantined primary will not be heard from: replace it at once, as the
        // quarantine itself did before the restart.
        if quarantined.contains(primary), status == .normal { startViewChange(to: view + 1, reason: .requested, &out) }
        return out
    }

    /// Re-enters the view of a NEW-VIEW this replica had sent or accepted before a crash.
    /// A primary broadcasts its NEW-VIEW again (the crash may have come before the send)
    /// and keeps every sequence it had assigned.
    mutating func reenterView(_ message: SignedMessage, _ m: NewView, _ out: inout [Directive]) {
        if m.view != view {
            for sequence in slots.keys { slots[sequence]!.resetVotesForNewView() }
        }
        view = m.view
        status = .changingView
        let restoredLastAssigned = lastAssigned
        if m.sender == id { out.append(.broadcast(message)) }
        enterView(message, plan: newViewPlan(from: m.viewChanges), prePrepares: m.prePrepares, &out)
        if m.sender == id { lastAssigned = max(lastAssigned, restoredLastAssigned) }
    }

    /// Accepts the PRE-PREPAREs of the current view's O that the log lacks.
    mutating func acceptMissing(_ prePrepares: [SignedMessage], _ out: inout [Directive]) {
        for message in prePrepares {
            guard case let .prePrepare(pp) = message.payload, pp.view == view, inWindow(pp.sequence), pp.sequence > lastExecuted,
                slots[pp.sequence]?.prePrepare == nil, slots[pp.sequence]?.committed == nil
            else { continue }
            accept(message, pp, &out)
        }
    }
}
