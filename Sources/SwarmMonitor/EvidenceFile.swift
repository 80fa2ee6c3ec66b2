import Foundation
import SwarmCore
import SwarmCrypto
import SwarmMonitorCore
import SwarmWire

/// Equivocation evidence as a file anyone can verify offline with the replica's public
/// key: both signed frames in hex, and what they claim.
public struct EvidenceFile: Codable, Sendable {
    public var type = "equivocation"
    public var replica: UInt32
    public var phase: String
    public var view: UInt64
    public var sequence: UInt64
    public var clusterID: String
    public var epoch: UInt64
    public var first: String
    public var second: String
    public var observedAt: String

    enum CodingKeys: String, CodingKey {
        case type, replica, phase, view, sequence, epoch, first, second
        case clusterID = "cluster_id", observedAt = "observed_at"
    }

    public init(_ evidence: Evidence, slot: SignedSlot, observedAt: Date = Date()) {
        replica = slot.signer
        phase = slot.kind.description
        view = slot.view
        sequence = slot.sequence
        clusterID = String(decoding: evidence.first.cluster.clusterID, as: UTF8.self)
        epoch = evidence.first.cluster.epoch
        first = hexString(evidence.first.frame)
        second = hexString(evidence.second.frame)
        self.observedAt = ISO8601DateFormatter().string(from: observedAt)
    }

    /// Decodes both frames and checks them: authentic under the named replica's key, one
    /// slot, in conflict, and matching what the file claims.
    public func verify(cluster: ClusterBinding, crypto: any ProtocolCrypto) -> Result<SignedSlot, EvidenceError> {
        guard type == "equivocation" else { return .failure(EvidenceError("unknown evidence type '\(type)'")) }
        let frames: (SignedMessage, SignedMessage)
        do {
            frames = (try WireCodec.decode(bytes(fromHex: first)), try WireCodec.decode(bytes(fromHex: second)))
        } catch {
            return .failure(EvidenceError("a message does not decode: \(error)"))
        }
        let result = EvidenceCheck.verify(Evidence(reporter: .max, first: frames.0, second: frames.1), cluster: cluster, crypto: crypto)
        if case let .success(slot) = result {
            guard slot.signer == replica, slot.view == view, slot.sequence == sequence, slot.kind.description == phase,
                frames.0.cluster == ClusterBinding(clusterName: clusterID, epoch: epoch)
            else {
                return .failure(EvidenceError("the messages do not match what the file claims (replica, phase, view, sequence, cluster)"))
            }
        }
        return result
    }
}
