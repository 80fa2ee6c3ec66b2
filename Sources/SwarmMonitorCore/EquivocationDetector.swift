import SwarmCore
import SwarmWire

/// The monitor's equivocation detector, pure like the protocol core: signed messages in,
/// findings out. It remembers the first authentic message per (signer, phase, view,
/// sequence); a different one for the same slot is proof, and the evidence carries both
/// signed frames so anyone can check it offline with the signer's public key.
public struct EquivocationDetector: Sendable {
    let crypto: any ProtocolCrypto
    let capacity: Int
    let byteBudget: Int
    var first: [SignedSlot: SignedMessage] = [:]
    /// Slots in arrival order; those before `orderHead` are forgotten (a head index, so
    /// that forgetting the oldest costs O(1), not a shift of 200,000 entries).
    var order: [SignedSlot] = []
    var orderHead = 0
    var reported = Set<SignedSlot>()
    public private(set) var unauthentic = 0
    /// Bytes the remembered messages hold (frame and decoded payload, counted as twice the
    /// frame): a validly signed PRE-PREPARE may be tens of MiB, so the slot count alone
    /// bounds nothing (issue 15, finding 2).
    public private(set) var storedBytes = 0

    /// `capacity` bounds the slots remembered and `byteBudget` their bytes; the oldest are
    /// forgotten first.
    public init(crypto: any ProtocolCrypto, capacity: Int = 200_000, byteBudget: Int = 256 << 20) {
        precondition(capacity > 0 && byteBudget > 0)
        self.crypto = crypto
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    static func cost(_ message: SignedMessage) -> Int { 2 * message.frame.count }

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
        storedBytes += Self.cost(message)
        order.append(slot)
        while orderHead < order.count, order.count - orderHead > capacity || storedBytes > byteBudget {
            let evicted = order[orderHead]
            orderHead += 1
            if let gone = first.removeValue(forKey: evicted) { storedBytes -= Self.cost(gone) }
            reported.remove(evicted)
        }
        if orderHead > 4_096, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
        return []
    }
}
