import SwarmCore
import SwarmWire

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
