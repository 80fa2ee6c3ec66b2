import SwarmWire

/// Token buckets per peer replica: `admit` spends one token; tokens refill at the rate,
/// up to one second's worth. Bounded: one bucket per replica of the topology; an id
/// outside the topology (which the core drops as not a replica) gets no bucket, or a
/// flood of made-up sender ids would grow the table without end.
public struct PeerRateLimiter: Sendable {
    struct Bucket: Sendable {
        var tokens: Double
        var rate: Double
        var lastMilliseconds: Int64
        /// When a penalty's lower rate ends; nil for the default rate.
        var penaltyEndsMilliseconds: Int64?
    }

    var buckets: [ReplicaID: Bucket] = [:]
    public private(set) var dropped: [ReplicaID: Int] = [:]
    /// Buckets held (at most one per replica of the topology).
    public var bucketCount: Int { buckets.count }
    let defaultRate: Double?
    let replicaCount: Int

    public init(ratePerSecond: Double?, replicaCount: Int) {
        precondition(replicaCount > 0)
        defaultRate = ratePerSecond
        self.replicaCount = replicaCount
    }

    public mutating func admit(_ peer: ReplicaID, nowMilliseconds: Int64) -> Bool {
        guard Int(peer) < replicaCount else { return true }
        guard let rate = buckets[peer]?.rate ?? defaultRate else { return true }
        var bucket = buckets[peer] ?? Bucket(tokens: rate, rate: rate, lastMilliseconds: nowMilliseconds)
        bucket.tokens = min(bucket.rate, bucket.tokens + max(0, Double(nowMilliseconds) - Double(bucket.lastMilliseconds)) * bucket.rate / 1000)
        // Monotonic: a clock stepped back refills nothing, now or when it catches up again.
        bucket.lastMilliseconds = max(bucket.lastMilliseconds, nowMilliseconds)
        defer { buckets[peer] = bucket }
        guard bucket.tokens >= 1 else {
            dropped[peer, default: 0] += 1
            return false
        }
        bucket.tokens -= 1
        return true
    }

    /// Lowers a peer's rate until `nowMilliseconds + durationMilliseconds` (never raises
    /// it; a second penalty may lengthen one). Penalties decay (issue 15, finding 8: a
    /// false flooding finding lowered an honest replica's rate for good): a peer that
    /// floods again is named again by the detector once forgiven, and limited again.
    public mutating func limit(_ peer: ReplicaID, toPerSecond rate: Double, nowMilliseconds: Int64, durationMilliseconds: Int64 = 60_000) {
        guard Int(peer) < replicaCount else { return }
        let (ends, overflow) = max(nowMilliseconds, buckets[peer]?.lastMilliseconds ?? nowMilliseconds).addingReportingOverflow(max(0, durationMilliseconds))
        let until = max(overflow ? .max : ends, buckets[peer]?.penaltyEndsMilliseconds ?? .min)
        let current = buckets[peer]?.rate ?? defaultRate ?? .infinity
        guard rate <= current else { return }
        buckets[peer] = Bucket(tokens: min(buckets[peer]?.tokens ?? rate, rate), rate: rate, lastMilliseconds: nowMilliseconds, penaltyEndsMilliseconds: until)
    }

    /// Ends the penalties whose time is up: those peers are back at the default rate.
    /// Returns them, in id order, so the caller can forgive them elsewhere too.
    public mutating func expirePenalties(nowMilliseconds: Int64) -> [ReplicaID] {
        let ended = buckets.filter { $0.value.penaltyEndsMilliseconds.map { nowMilliseconds >= $0 } ?? false }.keys.sorted()
        for peer in ended { buckets[peer] = nil }
        return ended
    }

    /// Peers under a penalty now.
    public var penalised: [ReplicaID] { buckets.filter { $0.value.penaltyEndsMilliseconds != nil }.keys.sorted() }
}
