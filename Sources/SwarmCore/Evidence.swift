import SwarmWire

/// The slot a signed message speaks for: one replica may sign one message per slot.
public struct SignedSlot: Hashable, Sendable {
    public var signer: ReplicaID
    public var kind: MessageKind
    public var view: ViewNumber
    public var sequence: SequenceNumber

    /// nil for messages that are not votes (requests, replies, state transfer, evidence).
    public init?(_ payload: Payload) {
        switch payload {
        case let .prePrepare(m): (signer, kind, view, sequence) = (m.sender, .prePrepare, m.view, m.sequence)
        case let .prepare(m): (signer, kind, view, sequence) = (m.sender, .prepare, m.view, m.sequence)
        case let .commit(m): (signer, kind, view, sequence) = (m.sender, .commit, m.view, m.sequence)
        case let .checkpoint(m): (signer, kind, view, sequence) = (m.sender, .checkpoint, 0, m.sequence)
        case let .viewChange(m): (signer, kind, view, sequence) = (m.sender, .viewChange, m.newView, 0)
        default: return nil
        }
    }
}

/// Offline verification of equivocation evidence: both messages bound to `cluster` (this
/// cluster and epoch: a replica's key signs for one cluster, and what it signed for another
/// cluster or an earlier epoch proves nothing here), authentic under the signer's key, from
/// the same signer, for the same slot, and different.
public enum EvidenceCheck {
    public static func verify(_ evidence: Evidence, cluster: ClusterBinding, crypto: any ProtocolCrypto) -> Result<SignedSlot, EvidenceError> {
        guard let a = SignedSlot(evidence.first.payload), let b = SignedSlot(evidence.second.payload) else {
            return .failure(EvidenceError("the messages are not votes of the protocol"))
        }
        guard a == b else { return .failure(EvidenceError("the messages are for different slots: \(a) and \(b)")) }
        guard evidence.first.cluster == cluster, evidence.second.cluster == cluster else {
            return .failure(EvidenceError("the messages belong to another cluster or epoch than '\(String(decoding: cluster.clusterID, as: UTF8.self))' epoch \(cluster.epoch)"))
        }
        guard evidence.first.payload != evidence.second.payload else { return .failure(EvidenceError("the two messages say the same thing: no conflict")) }
        guard crypto.verify(evidence.first) else { return .failure(EvidenceError("the first message's signature does not verify for replica \(a.signer)")) }
        guard crypto.verify(evidence.second) else { return .failure(EvidenceError("the second message's signature does not verify for replica \(a.signer)")) }
        return .success(a)
    }
}

public struct EvidenceError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
