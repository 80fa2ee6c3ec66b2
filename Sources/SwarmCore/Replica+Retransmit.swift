import SwarmWire

extension Replica {
    /// The transport may lose any message, so a replica re-sends what others may still
    /// need: its VIEW-CHANGE while changing view; its own PRE-PREPARE, PREPARE and COMMIT
    /// for slots not yet executed; and, as a heartbeat that lets laggards notice they are
    /// behind, COMMITs of its last executed sequence and its latest CHECKPOINT.
    mutating func retransmit(_ out: inout [Directive]) {
        switch status {
        case .changingView:
            if let viewChange = ownViewChange { out.append(.broadcast(viewChange)) }
        case .normal:
            for sequence in slots.keys.sorted() where sequence > lastExecuted {
                let slot = slots[sequence]!
                if isPrimary, let prePrepare = slot.prePrepare { out.append(.broadcast(prePrepare)) }
                if let prepare = slot.prepares[id] { out.append(.broadcast(prepare)) }
                if let commit = slot.commits[id] { out.append(.broadcast(commit)) }
            }
            // Heartbeat: the own COMMIT of the last executed sequence tells a replica that
            // missed it how far the others got.
            // A replica that got that sequence by state transfer has no COMMIT of its own;
            // it relays the COMMITs of the certificate instead (all of them: the laggard
            // drops the ones it signed itself and must still see f + 1 others).
            if lastExecuted > stable.sequence, let slot = slots[lastExecuted] {
                if let commit = slot.commits[id] {
                    out.append(.broadcast(commit))
                } else if let entry = slot.committed {
                    for commit in entry.commits { out.append(.broadcast(commit)) }
                }
            } else if let commit = lastOwnCommit, case let .commit(vote) = commit.payload, vote.view == view, vote.sequence == lastExecuted {
                // Idle at a checkpoint (its slot collected): the last COMMIT this replica
                // signed in its view still says which view it works in, so that a replica
                // left in an older view is sent the NEW-VIEW (acceptsNormalCase), and one
                // in a newer view sees f + 1 of ours (noteHigherView). Found by the
                // simulator's L1 "one common view": replicas idle at sequence 28 or 32,
                // one of them in view 1 for good while the others ran view 2.
                out.append(.broadcast(commit))
            }
        }
        // The latest CHECKPOINT this replica signed, not the latest sequence anyone voted
        // for: a Byzantine replica's vote for a future checkpoint must not silence ours.
        // Found by the simulator (`--byzantine all` seed 10799, flood): the flooder's
        // CHECKPOINT for 28 hid replica 0's for 16, which a partition had cut off, and the
        // stable checkpoint stayed at 0 with the window full for good.
        if let latest = ownCheckpoints.keys.max(), let own = checkpointVotes[latest]?[id] {
            out.append(.broadcast(own))
        } else if let own = stable.proof.first(where: { $0.payload.replicaSender == id }) {
            out.append(.broadcast(own))
        }
    }
}
