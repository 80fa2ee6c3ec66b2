import SwarmWire

extension Replica {
    /// The transport may lose any message, so a replica re-sends what others may still
    /// need: its VIEW-CHANGE while changing view; its own PRE-PREPARE, PREPARE and COMMIT
    /// for slots that waited at least a period; and, as a heartbeat that lets laggards
    /// notice they are behind, its highest COMMIT and its latest CHECKPOINT.
    mutating func retransmit(_ out: inout [Directive]) {
        switch status {
        case .changingView:
            if let viewChange = ownViewChange { out.append(.broadcast(viewChange)) }
        case .normal:
            var highestCommit: SignedMessage?
            for sequence in slots.keys.sorted() {
                let slot = slots[sequence]!
                if let commit = slot.commits[id] { highestCommit = commit }
                guard sequence > lastExecuted else { continue }
                if isPrimary, let prePrepare = slot.prePrepare { out.append(.broadcast(prePrepare)) }
                if let prepare = slot.prepares[id] { out.append(.broadcast(prepare)) }
                if let commit = slot.commits[id] { out.append(.broadcast(commit)) }
            }
            if let highestCommit, slots.keys.max().map({ $0 <= lastExecuted }) ?? false {
                out.append(.broadcast(highestCommit))
            }
        }
        if let latest = checkpointVotes.keys.max(), let own = checkpointVotes[latest]?[id] {
            out.append(.broadcast(own))
        } else if let own = stable.proof.first(where: { $0.payload.replicaSender == id }) {
            out.append(.broadcast(own))
        }
    }
}
