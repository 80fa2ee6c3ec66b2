import SwarmTopology
import SwarmCore
import SwarmWire

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
            ReplicaProtection(level: level, ratePerPeerPerSecond: 20_000, floodingPenaltyPerSecond: 500, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 0.5)
        case .maximum:
            ReplicaProtection(level: level, ratePerPeerPerSecond: 10_000, floodingPenaltyPerSecond: 100, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 1.0)
        case .standard:
            ReplicaProtection(level: level, ratePerPeerPerSecond: 50_000, floodingPenaltyPerSecond: 2_000, quarantineOnEvidence: true, acceptSuspicion: true, timeoutJitterFraction: 0)
        }
    }
}

/// Token buckets per peer replica: `admit` spends one token; tokens refill at the rate,
/// up to one second's worth. Bounded: one bucket per replica of the topology.
struct PeerRateLimiter {
    struct Bucket {
        var tokens: Double
        var rate: Double
        var lastMilliseconds: Int64
    }

    var buckets: [ReplicaID: Bucket] = [:]
    var dropped: [ReplicaID: Int] = [:]
    let defaultRate: Double?

    init(ratePerSecond: Double?) { defaultRate = ratePerSecond }

    mutating func admit(_ peer: ReplicaID, nowMilliseconds: Int64) -> Bool {
        guard let rate = buckets[peer]?.rate ?? defaultRate else { return true }
        var bucket = buckets[peer] ?? Bucket(tokens: rate, rate: rate, lastMilliseconds: nowMilliseconds)
        bucket.tokens = min(bucket.rate, bucket.tokens + Double(nowMilliseconds - bucket.lastMilliseconds) * bucket.rate / 1000)
        bucket.lastMilliseconds = nowMilliseconds
        defer { buckets[peer] = bucket }
        guard bucket.tokens >= 1 else {
            dropped[peer, default: 0] += 1
            return false
        }
        bucket.tokens -= 1
        return true
    }

    /// Lowers a peer's rate (never raises it).
    mutating func limit(_ peer: ReplicaID, toPerSecond rate: Double, nowMilliseconds: Int64) {
        let current = buckets[peer]?.rate ?? defaultRate ?? .infinity
        guard rate < current else { return }
        buckets[peer] = Bucket(tokens: min(buckets[peer]?.tokens ?? rate, rate), rate: rate, lastMilliseconds: nowMilliseconds)
    }
}
