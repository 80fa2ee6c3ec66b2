import SwarmCore
import SwarmWire

/// What a monitor concluded from what it observed.
public enum Finding: Sendable, Equatable {
    /// Two validly signed, conflicting messages from one replica for the same slot.
    case equivocation(Evidence)
    /// A replica signed at least this many messages far beyond where any correct replica
    /// could be (sequences past the watermarks, views past the bound).
    case flooding(replica: ReplicaID, farFutureMessages: Int)
    /// A replica signed more distinct messages within one rate window than the profile
    /// allows a correct replica.
    case excessiveRate(replica: ReplicaID, messages: Int, windowMicroseconds: UInt64)
    /// A replica sent the same signed frame again and again within one rate window
    /// (replays, or retransmission far beyond the protocol's timers).
    case repeatedContent(replica: ReplicaID, repeats: Int, windowMicroseconds: UInt64)
    /// A replica's votes persistently miss some peers: `missedSlots` consecutive committed
    /// slots in which `victim` heard a quorum of the others but not this replica, or in
    /// which its own tap showed it sending its votes to only some peers.
    case selectiveParticipation(replica: ReplicaID, victim: ReplicaID?, missedSlots: Int)
    /// A primary whose PRE-PREPAREs reach the backups late: the median proposal delay over
    /// its recent proposals, against the profile's bound and the other primaries' baseline.
    case timingManipulation(primary: ReplicaID, medianDelayMicroseconds: UInt64, baselineMicroseconds: UInt64)
    /// Two or more replicas whose anomalies fell into the same correlation windows.
    case coordinated(replicas: [ReplicaID], sharedWindows: Int)
    /// Links that carried nothing for longer than the gap bound (or that the socket
    /// monitors reported down), and whether some q replicas can still all talk.
    case partition(unreachable: [ReplicaID], quorumConnected: Bool)

    /// Proven findings carry signed proof a third party can check offline; suspected ones
    /// are statistics over timing and absence, which a network fault can also produce.
    public enum Certainty: String, Sendable {
        case proven
        case suspected
    }

    public var certainty: Certainty {
        switch self {
        case .equivocation, .flooding: .proven
        default: .suspected
        }
    }

    /// The replicas the finding accuses; a partition accuses nobody.
    public var accused: [ReplicaID] {
        switch self {
        case let .equivocation(evidence): evidence.first.payload.replicaSender.map { [$0] } ?? []
        case let .flooding(replica, _), let .excessiveRate(replica, _, _), let .repeatedContent(replica, _, _), let .selectiveParticipation(replica, _, _): [replica]
        case let .timingManipulation(primary, _, _): [primary]
        case let .coordinated(replicas, _): replicas
        case .partition: []
        }
    }

    /// A short stable name, for logs and JSON lines.
    public var name: String {
        switch self {
        case .equivocation: "equivocation"
        case .flooding: "flooding"
        case .excessiveRate: "excessive-rate"
        case .repeatedContent: "repeated-content"
        case .selectiveParticipation: "selective-participation"
        case .timingManipulation: "timing-manipulation"
        case .coordinated: "coordinated"
        case .partition: "partition"
        }
    }
}
