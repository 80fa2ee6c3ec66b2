import SwarmCore
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

/// The monitor's equivocation detector, pure like the protocol core: signed messages in,
/// findings out. It remembers the first authentic message per (signer, phase, view,
/// sequence); a different one for the same slot is proof, and the evidence carries both
/// signed frames so anyone can check it offline with the signer's public key.
public struct EquivocationDetector: Sendable {
    let crypto: any ProtocolCrypto
    let capacity: Int
    var first: [SignedSlot: SignedMessage] = [:]
    var order: [SignedSlot] = []
    var reported = Set<SignedSlot>()
    public private(set) var unauthentic = 0

    /// `capacity` bounds the slots remembered; the oldest are forgotten first.
    public init(crypto: any ProtocolCrypto, capacity: Int = 200_000) {
        self.crypto = crypto
        self.capacity = capacity
    }

    public mutating func observe(_ message: SignedMessage) -> [Finding] {
        guard let slot = SignedSlot(message.payload) else { return [] }
        if let existing = first[slot] {
            guard existing.payload != message.payload, !reported.contains(slot) else { return [] }
            // Only a validly signed conflict is proof; a forgery accuses nobody.
            guard crypto.verify(message) else { unauthentic += 1; return [] }
            reported.insert(slot)
            return [.equivocation(Evidence(reporter: ReplicaID.max, first: existing, second: message))]
        }
        guard crypto.verify(message) else { unauthentic += 1; return [] }
        first[slot] = message
        order.append(slot)
        if order.count > capacity {
            let evicted = order.removeFirst()
            first[evicted] = nil
            reported.remove(evicted)
        }
        return []
    }
}

/// Offline verification of equivocation evidence: both messages authentic under the
/// signer's key, from the same signer, for the same slot, and different.
public enum EvidenceCheck {
    public static func verify(_ evidence: Evidence, crypto: any ProtocolCrypto) -> Result<SignedSlot, EvidenceError> {
        guard let a = SignedSlot(evidence.first.payload), let b = SignedSlot(evidence.second.payload) else {
            return .failure(EvidenceError("the messages are not votes of the protocol"))
        }
        guard a == b else { return .failure(EvidenceError("the messages are for different slots: \(a) and \(b)")) }
        guard evidence.first.cluster == evidence.second.cluster else { return .failure(EvidenceError("the messages belong to different clusters or epochs")) }
        guard evidence.first.payload != evidence.second.payload else { return .failure(EvidenceError("the two messages say the same thing: no conflict")) }
        guard crypto.verify(evidence.first) else { return .failure(EvidenceError("the first message's signature does not verify for replica \(a.signer)")) }
        guard crypto.verify(evidence.second) else { return .failure(EvidenceError("the second message's signature does not verify for replica \(a.signer)")) }
        return .success(a)
    }
}

public struct EvidenceError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
