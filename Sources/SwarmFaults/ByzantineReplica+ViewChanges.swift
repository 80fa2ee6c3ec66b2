import SwarmCore
import SwarmWire

/// `view-change-lies` and `new-view-lies` (issue 14): a Byzantine replica's lies in the
/// view-change protocol (section 2.5). Each lie is validly signed with its own key, or
/// carries others' messages exactly as they were signed: what a replica holding a key
/// can do, so only the receivers' checks (validateViewChange, validateNewView) and
/// quorum intersection stand between it and a broken S1.
extension ByzantineReplica {
    /// VIEW-CHANGEs it received (its raw material: stale certificates, older checkpoints,
    /// other choices of V), in the ring `recorded`.
    mutating func recordViewChange(_ message: SignedMessage) {
        guard message.kind == .viewChange else { return }
        if recorded.count < Self.recordedLimit { recorded.append(message) } else { recorded[observed % Self.recordedLimit] = message }
        observed &+= 1
    }

    var recordedViewChanges: [ViewChange] {
        recorded.compactMap { if case let .viewChange(m) = $0.payload { m } else { nil } }
    }

    /// Two different VIEW-CHANGEs for one view, to the two halves of its peers.
    func lieInViewChange(_ message: SignedMessage, _ honest: ViewChange, random: inout some FaultRandomness) -> [Directive] {
        let first = random.int(0 ... 5)
        let told = first == 0 ? message : sign(.viewChange(viewChangeLie(first, honest, random: &random)))
        // Some variants coincide (nothing to omit, no older checkpoint): the next that differs.
        let offset = random.int(1 ... 5)
        var other = told
        for step in 0 ..< 5 where other == told {
            let variant = (first + offset + step) % 6
            other = variant == 0 ? message : sign(.viewChange(viewChangeLie(variant, honest, random: &random)))
        }
        return firstHalf.map { .send(told, to: $0) } + secondHalf.map { .send(other, to: $0) }
    }

    func viewChangeLie(_ variant: Int, _ honest: ViewChange, random: inout some FaultRandomness) -> ViewChange {
        var lie = honest
        switch variant {
        case 1:
            // Prepared certificates omitted: a batch that may have committed, left out.
            lie.prepared = []
        case 2:
            // Stale certificates: older ones the others sent, in place of its own.
            var bySequence: [SequenceNumber: PreparedCertificate] = [:]
            for certificate in recordedViewChanges.flatMap(\.prepared) {
                guard case let .prePrepare(pp) = certificate.prePrepare.payload, pp.view < honest.newView else { continue }
                if let kept = bySequence[pp.sequence], case let .prePrepare(old) = kept.prePrepare.payload, old.view <= pp.view { continue }
                bySequence[pp.sequence] = certificate
            }
            lie.prepared = bySequence.keys.sorted().map { bySequence[$0]! }
        case 3:
            // A certificate whose batch does not match its PRE-PREPARE's digest and signature.
            guard let certificate = honest.prepared.first, case var .prePrepare(pp) = certificate.prePrepare.payload else {
                let claimed = PrePrepare(sender: id, view: honest.newView &- 1, sequence: honest.stableSequence &+ 1, digest: Digest(bytes: random.bytes(32)), batch: [])
                lie.prepared = [PreparedCertificate(prePrepare: sign(.prePrepare(claimed)), prepares: [])]
                break
            }
            pp.batch = Self.conflictingBatch(pp.batch) ?? [certificate.prePrepare]
            let altered = SignedMessage.withSignature(.prePrepare(pp), cluster: configuration.cluster, signature: Array(certificate.prePrepare.signature))
            lie.prepared[0] = PreparedCertificate(prePrepare: altered, prepares: certificate.prepares)
        case 4:
            // An older checkpoint with its genuine proof, the certificates kept.
            guard let older = recordedViewChanges.filter({ $0.stableSequence < honest.stableSequence }).max(by: { $0.stableSequence < $1.stableSequence }) else {
                fallthrough
            }
            lie.stableSequence = older.stableSequence
            lie.checkpointProof = older.checkpointProof
        default:
            // Nothing at all: the genesis checkpoint and no certificates.
            lie.stableSequence = 0
            lie.checkpointProof = []
            lie.prepared = []
        }
        return lie
    }

    /// As new primary: the honest NEW-VIEW to one half, another to the other — from another
    /// choice of q VIEW-CHANGEs in a shuffled order, or (one time in two) with a prepared
    /// batch of O replaced by the null request — and COMMITs that back each story.
    func lieInNewView(_ message: SignedMessage, _ honest: NewView, random: inout some FaultRandomness) -> [Directive] {
        var bySender: [ReplicaID: SignedMessage] = [:]
        for candidate in recorded + honest.viewChanges {
            guard case let .viewChange(m) = candidate.payload, m.newView == honest.view else { continue }
            bySender[m.sender] = candidate
        }
        var pool = bySender.keys.sorted().map { bySender[$0]! }
        for index in pool.indices.reversed() where index > 0 { pool.swapAt(index, random.int(0 ... index)) }
        let chosen = Array(pool.prefix(configuration.quorum))
        let nullDigest = batchDigest(of: [], crypto: crypto)
        var plan = NewViewPlan.compute(from: chosen.compactMap { if case let .viewChange(m) = $0.payload { m } else { nil } }, nullDigest: nullDigest)
        if random.chance(0.5), let index = plan.proposals.firstIndex(where: { !$0.batch.isEmpty }) {
            plan.proposals[index] = (plan.proposals[index].sequence, nullDigest, [])
        }
        let prePrepares = plan.proposals.map { proposal in
            sign(.prePrepare(PrePrepare(sender: id, view: honest.view, sequence: proposal.sequence, digest: proposal.digest, batch: proposal.batch)))
        }
        let other = sign(.newView(NewView(sender: id, view: honest.view, viewChanges: chosen, prePrepares: prePrepares)))
        // Either half may hear the lie: at n = 4 only the first half (two correct replicas)
        // and the liar's votes make a quorum for it.
        let (told, lie) = random.chance(0.5) ? (message, other) : (other, message)
        return firstHalf.map { .send(told, to: $0) } + secondHalf.map { .send(lie, to: $0) }
    }

    /// Which O each peer was told in the liar's latest NEW-VIEW, so that its COMMITs back
    /// the story each peer heard.
    mutating func rememberNewViews(_ directives: [Directive]) {
        for case let .send(message, target) in directives {
            guard case let .newView(m) = message.payload, m.sender == id else { continue }
            var digests: [SequenceNumber: Digest] = [:]
            for case let .prePrepare(pp) in m.prePrepares.map(\.payload) { digests[pp.sequence] = pp.digest }
            toldInNewView[target] = (m.view, digests)
        }
    }

    /// Its own COMMIT, per peer, for the digest that peer was told at the slot.
    func commitsBackingNewViews(_ message: SignedMessage, _ vote: Vote) -> [Directive] {
        peers.map { peer in
            guard let told = toldInNewView[peer], told.view == vote.view, let digest = told.digests[vote.sequence], digest != vote.digest else {
                return .send(message, to: peer)
            }
            var backing = vote
            backing.digest = digest
            return .send(sign(.commit(backing)), to: peer)
        }
    }
}
