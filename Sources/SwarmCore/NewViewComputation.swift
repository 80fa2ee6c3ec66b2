import SwarmWire

/// The deterministic part of NEW-VIEW (section 2.5): from a set V of VIEW-CHANGE messages
/// compute min-s, max-s and the PRE-PREPAREs of O. The new primary computes it to build
/// NEW-VIEW; every backup recomputes it to check NEW-VIEW. Pure, so both always agree.
public struct NewViewPlan: Equatable, Sendable {
    /// The latest stable checkpoint in V, and its proof.
    public var minSequence: SequenceNumber
    public var checkpointProof: [SignedMessage]
    /// The highest sequence with a prepared certificate in V.
    public var maxSequence: SequenceNumber
    /// For each n in (min-s, max-s]: the digest and batch to re-propose; an empty batch is
    /// the null request.
    public var proposals: [(sequence: SequenceNumber, digest: Digest, batch: [SignedMessage])]

    public static func == (lhs: NewViewPlan, rhs: NewViewPlan) -> Bool {
        lhs.minSequence == rhs.minSequence && lhs.maxSequence == rhs.maxSequence
            && lhs.proposals.map(\.sequence) == rhs.proposals.map(\.sequence)
            && lhs.proposals.map(\.digest) == rhs.proposals.map(\.digest)
    }

    /// `viewChanges` MUST already be validated; `nullDigest` is the digest of the empty batch.
    public static func compute(from viewChanges: [ViewChange], nullDigest: Digest) -> NewViewPlan {
        precondition(!viewChanges.isEmpty, "a NEW-VIEW needs view changes")
        let latest = viewChanges.max { $0.stableSequence < $1.stableSequence }!
        let minSequence = latest.stableSequence
        // For each sequence, the certificate prepared in the highest view wins: a batch that
        // may have committed was prepared by a quorum, which meets V in a correct replica.
        var chosen: [SequenceNumber: (view: ViewNumber, digest: Digest, batch: [SignedMessage])] = [:]
        for viewChange in viewChanges {
            for certificate in viewChange.prepared {
                guard case let .prePrepare(m) = certificate.prePrepare.payload, m.sequence > minSequence else { continue }
                if let existing = chosen[m.sequence], existing.view >= m.view { continue }
                chosen[m.sequence] = (m.view, m.digest, m.batch)
            }
        }
        let maxSequence = chosen.keys.max() ?? minSequence
        var proposals: [(SequenceNumber, Digest, [SignedMessage])] = []
        if maxSequence > minSequence {
            for sequence in (minSequence + 1) ... maxSequence {
                if let certificate = chosen[sequence] {
                    proposals.append((sequence, certificate.digest, certificate.batch))
                } else {
                    proposals.append((sequence, nullDigest, []))
                }
            }
        }
        return NewViewPlan(minSequence: minSequence, checkpointProof: latest.checkpointProof, maxSequence: maxSequence, proposals: proposals)
    }
}
