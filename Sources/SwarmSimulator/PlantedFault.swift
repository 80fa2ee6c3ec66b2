import SwarmCore
import SwarmWire

/// Negative controls (ACCEPTANCE 4): known bugs planted from outside the core, through the
/// seams the simulator already owns — the crypto, the storage, the configuration and the
/// messages between replicas. Production code carries no test-only branch; each fault
/// breaks one rule the paper needs and a checker MUST catch it.
public enum PlantedFault: String, Sendable, CaseIterable, Comparable {
    /// The replicas verify nothing: their crypto accepts every signature (S2 gone).
    case acceptingCrypto = "accepting-crypto"
    /// Every VIEW-CHANGE a correct replica sends leaves its prepared certificates out:
    /// the P set of section 2.5 is empty, so a new primary can lose a committed batch.
    case viewChangeWithoutCertificates = "view-change-without-certificates"
    /// Each PREPARE and COMMIT a correct replica receives is counted a second time, as a
    /// vote of another replica: quorums of messages instead of distinct replicas.
    case voteCountedTwice = "vote-counted-twice"
    /// The correct replicas' storage loses the view they move to: after a crash a replica
    /// starts in an older view and can be heard by a deposed primary again.
    case storageForgetsView = "storage-forgets-view"
    /// The correct replicas run with a watermark window far wider than the cluster's L:
    /// what skipping the watermark check does (section 2.3's h < n ≤ h + L).
    case windowBeyondWatermarks = "window-beyond-watermarks"
    /// The clients accept a write on f + 1 matching replies while reads on the read-only
    /// path still take q (issue 14, defect C): a read after a completed write can then get
    /// q matching stale replies. Caught with `--read-only-reads` and `stale-reads`.
    case weakWriteQuorum = "weak-write-quorum"
    /// The clients accept a read on the read-only path on the first reply: one stale or
    /// lying replica decides it. Caught by S5 with `--read-only-reads` and `stale-reads`.
    case oneReplyReads = "one-reply-reads"

    public static func < (lhs: PlantedFault, rhs: PlantedFault) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The names, for help texts and refusals.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Simulation {
    /// Under `voteCountedTwice`, a correct replica counts its own PREPAREs and COMMITs twice too.
    func plantedOwnVotes(_ directives: [Directive], node index: Int) -> [SignedMessage] {
        directives.compactMap { directive in
            guard case let .broadcast(message) = directive, message.kind == .prepare || message.kind == .commit else { return nil }
            return plantedSecondVote(message, to: index)
        }
    }
}

/// The crypto of `acceptingCrypto`: signs as the real key, accepts every signature.
struct AcceptingCrypto: ProtocolCrypto {
    let base: any ProtocolCrypto
    func digest(_ bytes: UnsafeRawBufferPointer) -> Digest { base.digest(bytes) }
    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { base.sign(bytes) }
    func verify(_ message: SignedMessage) -> Bool { true }
}

extension Simulation {
    /// The configuration a correct replica runs with: the cluster's, unless a planted
    /// fault widens its window. The checker keeps judging by the cluster's.
    func replicaConfiguration(correct: Bool) -> Configuration {
        guard correct, options.plantedFaults.contains(.windowBeyondWatermarks) else { return configuration }
        var wide = configuration
        let limit = UInt64(configuration.wireLimits.maxPreparedCertificates)
        wide.watermarkWindow = limit - limit % configuration.checkpointInterval
        return wide
    }

    /// The crypto replica `id` runs with.
    func replicaCrypto(for id: ReplicaID) -> any ProtocolCrypto {
        let crypto = keys.crypto(for: id)
        return options.plantedFaults.contains(.acceptingCrypto) ? AcceptingCrypto(base: crypto) : crypto
    }

    /// Whether a correct replica's storage keeps `record`.
    func storageKeeps(_ record: DurableRecord, correct: Bool) -> Bool {
        guard correct, options.plantedFaults.contains(.storageForgetsView), case .view = record else { return true }
        return false
    }

    /// What a correct replica's directives become under `viewChangeWithoutCertificates`:
    /// each VIEW-CHANGE it sends is re-signed with P = ∅ (what it persisted is untouched).
    func plantedOutbound(_ directives: [Directive], node index: Int) -> [Directive] {
        guard nodes[index].correct, options.plantedFaults.contains(.viewChangeWithoutCertificates) else { return directives }
        func stripped(_ message: SignedMessage) -> SignedMessage {
            guard case var .viewChange(m) = message.payload, !m.prepared.isEmpty else { return message }
            m.prepared = []
            return signAs(nodes[index].id, .viewChange(m))
        }
        return directives.map { directive in
            switch directive {
            case let .broadcast(message): .broadcast(stripped(message))
            case let .send(message, to: target): .send(stripped(message), to: target)
            default: directive
            }
        }
    }

    /// The second copy `voteCountedTwice` delivers with a PREPARE or COMMIT a correct
    /// replica receives or sends itself: the same vote, signed as the next replica that is
    /// neither its sender, nor the receiver, nor the primary (whose PREPARE never counts). Only authentic votes are doubled (a forged one
    /// must stay forged).
    func plantedSecondVote(_ message: SignedMessage, to index: Int) -> SignedMessage? {
        guard nodes[index].correct, options.plantedFaults.contains(.voteCountedTwice), verifier.verify(message) else { return nil }
        let count = ReplicaID(options.replicaCount)
        let receiver = nodes[index].id
        func relabelled(_ vote: Vote) -> Vote? {
            let primary = configuration.primary(of: vote.view)
            guard let other = (1 ..< count).lazy.map({ (vote.sender + $0) % count }).first(where: { $0 != receiver && $0 != primary }) else { return nil }
            var copy = vote
            copy.sender = other
            return copy
        }
        switch message.payload {
        case let .prepare(vote): return relabelled(vote).map { signAs($0.sender, .prepare($0)) }
        case let .commit(vote): return relabelled(vote).map { signAs($0.sender, .commit($0)) }
        default: return nil
        }
    }
}
