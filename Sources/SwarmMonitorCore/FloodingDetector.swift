import SwarmCore
import SwarmWire

/// Detects replicas that sign messages no correct replica would: votes far beyond the
/// cluster's watermarks, checkpoints far ahead, view changes for views far ahead. A
/// correct replica signs only inside (h, h + L] of its own stable checkpoint h, and h
/// never runs ahead of what f + 1 replicas have checkpointed by more than L; so a vote
/// beyond (f + 1)-th highest checkpoint + 2L is a protocol violation, not a slow network.
///
/// Pure: messages in, findings out. Bounded: one counter and one checkpoint per replica.
public struct FloodingDetector: Sendable {
    let configuration: Configuration
    let crypto: any ProtocolCrypto
    /// How many far-future messages make a finding.
    let threshold: Int
    var highestCheckpoint: [ReplicaID: SequenceNumber] = [:]
    var highestView: [ReplicaID: ViewNumber] = [:]
    var farMessages: [ReplicaID: Int] = [:]
    var named = Set<ReplicaID>()

    public init(configuration: Configuration, crypto: any ProtocolCrypto, threshold: Int = 20) {
        self.configuration = configuration
        self.crypto = crypto
        self.threshold = threshold
    }

    /// The (f + 1)-th highest value: at least one correct replica reached it, and f liars
    /// cannot raise it. nil until f + 1 replicas have shown one: before that the detector
    /// does not know where the cluster is (issue 15, finding 8: a replica restarted past
    /// sequence 2L, or a monitor started late, took the bound as 0 + 2L and named every
    /// honest peer a flooder within seconds).
    func robust(_ values: [ReplicaID: UInt64]) -> UInt64? {
        let sorted = values.values.sorted(by: >)
        let index = configuration.weakQuorum - 1
        return sorted.count > index ? sorted[index] : nil
    }

    /// Whether the payload is beyond where any correct replica can be; nil for messages
    /// that are not votes, checkpoints or view changes. Other detectors use it to keep
    /// a flood out of their bounded state. Nothing is far while the bound is unknown.
    public func isFarFuture(_ payload: Payload) -> Bool? {
        // Saturating: the values are signed by replicas, f of them liars (robust() keeps
        // them out, and the sum must not trap if it ever did not).
        let sequenceBound = robust(highestCheckpoint).map { Self.saturatingSum($0, 2 * configuration.watermarkWindow) } ?? .max
        let viewBound = robust(highestView).map { Self.saturatingSum($0, configuration.maxViewsAhead) } ?? .max
        switch payload {
        case let .prePrepare(m): return m.sequence > sequenceBound || m.view > viewBound
        case let .prepare(m), let .commit(m): return m.sequence > sequenceBound || m.view > viewBound
        case let .checkpoint(m): return m.sequence > sequenceBound
        case let .viewChange(m): return m.newView > viewBound
        default: return nil
        }
    }

    /// Forgets what `replica` did: its penalty ran out, and a new flood names it again.
    public mutating func forgive(_ replica: ReplicaID) {
        named.remove(replica)
        farMessages[replica] = nil
    }

    static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    public mutating func observe(_ message: SignedMessage) -> [Finding] {
        guard let signer = message.payload.replicaSender, configuration.isReplica(signer) else { return [] }
        guard let far = isFarFuture(message.payload) else { return [] }
        // A named flooder's further far-future messages change nothing: no need to pay a
        // verification for each (a flood can be thousands a second).
        if far, named.contains(signer) { return [] }
        guard crypto.verify(message) else { return [] }
        // Every signed checkpoint and view is kept, far or not: the bound is the (f + 1)-th
        // highest, so f liars cannot move it, while refusing far ones would leave the
        // bound behind for good once it fell 2L behind the honest replicas (messages the
        // tap lost, a restart).
        switch message.payload {
        case let .checkpoint(m): highestCheckpoint[signer] = max(highestCheckpoint[signer] ?? 0, m.sequence)
        case let .prePrepare(m): highestView[signer] = max(highestView[signer] ?? 0, m.view)
        case let .prepare(m), let .commit(m): highestView[signer] = max(highestView[signer] ?? 0, m.view)
        case let .viewChange(m): highestView[signer] = max(highestView[signer] ?? 0, m.newView)
        default: break
        }
        guard far else { return [] }
        farMessages[signer, default: 0] += 1
        guard farMessages[signer]! >= threshold, named.insert(signer).inserted else { return [] }
        return [.flooding(replica: signer, farFutureMessages: farMessages[signer]!)]
    }
}
