/// What a replica does by itself at each protection level (`protection_level` in the
/// topology). Every response only drops, delays or ignores; none changes what a quorum
/// is, so none can weaken safety (docs/security-model.md, "Protection levels").
public struct ReplicaProtection: Sendable, Equatable {
    public var level: ProtectionLevel
    /// Messages per second a peer may send (by the sender the message names, counted before
    /// its signature is checked, so a flood costs no verification); nil: no limit.
    public var ratePerPeerPerSecond: Double?
    /// The limit for a peer found flooding (validly signed messages far beyond the window).
    public var floodingPenaltyPerSecond: Double?
    /// Quarantine a replica on equivocation evidence this replica verified itself.
    public var quarantineOnEvidence: Bool
    /// Let suspicion from the monitor shorten this replica's own request timer.
    public var acceptSuspicion: Bool
    /// Extra request-timeout ticks drawn at random, up to this fraction of the timeout.
    public var timeoutJitterFraction: Double

    public static func level(_ level: ProtectionLevel) -> ReplicaProtection {
        switch level {
        case .minimal:
            ReplicaProtection(level: level, ratePerPeerPerSecond: nil, floodingPenaltyPerSecond: nil, quarantineOnEvidence: false, acceptSuspicion: false, timeoutJitterFraction: 0)
        case .enhanced:
            ReplicaProtection(
                level: level, ratePerPeerPerSecond: 20_000, floodingPenaltyPerSecond: 500, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 0.5)
        case .maximum:
            ReplicaProtection(
                level: level, ratePerPeerPerSecond: 10_000, floodingPenaltyPerSecond: 100, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 1.0)
        case .standard:
            ReplicaProtection(
                level: level, ratePerPeerPerSecond: 50_000, floodingPenaltyPerSecond: 2_000, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 0)
        }
    }
}
