import SwarmCore
import SwarmWire

/// A decision the monitor's shell carries out (and logs); the core only decides. None
/// weakens safety: quarantine needs signed proof and stops at f, a view-change request
/// is one voice that replicas act on only with f + 1 others or their own timers, and
/// rate limits and timeout jitter change timing only.
public enum Response: Sendable, Equatable {
    /// Ignore this replica. Each replica MUST verify `evidence` itself
    /// (`EvidenceCheck.verify`) before it does.
    case quarantine(replica: ReplicaID, evidence: Evidence)
    /// Accept at most this many messages per second from the replica, for a while.
    case rateLimit(replica: ReplicaID, messagesPerSecond: Int, durationMicroseconds: UInt64)
    /// Ask the replicas to leave `view`, whose primary is suspected.
    case requestViewChange(view: ViewNumber, suspectedPrimary: ReplicaID, reason: String)
    /// Draw request and view-change timeouts from [t, t × (1 + jitterFraction)] for a
    /// while, so that a primary cannot time its proposals just under a known timeout.
    case randomiseTimeouts(jitterFraction: Double, durationMicroseconds: UInt64)
}

/// The swarm's threat level, from the anomaly scores and the connectivity.
public enum ThreatLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case none, low, elevated, high, critical

    public static func < (a: ThreatLevel, b: ThreatLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .none: "none"
        case .low: "low"
        case .elevated: "elevated"
        case .high: "high"
        case .critical: "critical"
        }
    }

    /// The rules (docs/security-model.md): critical when no q replicas can all talk or
    /// more than f replicas are proven faulty (safety is no longer guaranteed); high when
    /// a replica is proven faulty or one score is at or above `highScore`; elevated at
    /// `elevatedScore`, or when some replica is cut off; low at `lowScore`.
    public static let highScore = 100.0
    public static let elevatedScore = 30.0
    public static let lowScore = 5.0

    public static func assess(scores: [ReplicaID: Double], provenFaulty: Int, faultTolerance: Int, partitioned: Bool, quorumConnected: Bool) -> ThreatLevel {
        if !quorumConnected || provenFaulty > faultTolerance { return .critical }
        let top = scores.values.max() ?? 0
        if provenFaulty > 0 || top >= highScore { return .high }
        if partitioned || top >= elevatedScore { return .elevated }
        if top >= lowScore { return .low }
        return .none
    }
}
