import SwarmWire

/// Coordinated attacks: two or more replicas whose anomalies keep falling into the same
/// time windows. One Byzantine replica is within PBFT's budget; f that act together are
/// the budget, and a monitor that sees them correlate can warn before they reach f + 1.
/// Time is cut into windows of `windowMicroseconds`, each remembering which replicas
/// were anomalous in it. A pair of replicas that are both under some finding (`flagged`)
/// and were both anomalous in `minimumWindows` remembered windows is reported, once per
/// pair. Windows are remembered before a replica is flagged, so the correlation counts
/// from the start of the attack, not from the first finding. Only suspected: it is a
/// correlation of suspicions (or of proofs, which are reported on their own as proven).
///
/// Bounded: the anomalous replicas of the last `keptWindows` windows.
public struct CoordinationDetector: Sendable {
    struct Pair: Hashable {
        var low: ReplicaID
        var high: ReplicaID
    }

    let windowMicroseconds: UInt64
    let minimumWindows: Int
    let keptWindows: Int
    var windows: [UInt64: Set<ReplicaID>] = [:]
    var named = Set<Pair>()

    public init(windowMicroseconds: UInt64, minimumWindows: Int, keptWindows: Int = 128) {
        precondition(windowMicroseconds > 0 && minimumWindows > 0)
        self.windowMicroseconds = windowMicroseconds
        self.minimumWindows = minimumWindows
        self.keptWindows = keptWindows
    }

    public mutating func record(_ anomaly: Anomaly) {
        windows[anomaly.timeMicroseconds / windowMicroseconds, default: []].insert(anomaly.replica)
        if windows.count > keptWindows, let oldest = windows.keys.min() { windows[oldest] = nil }
    }

    /// Pairs of flagged replicas that share enough windows and were not reported yet.
    public mutating func evaluate(flagged: Set<ReplicaID>) -> [Finding] {
        guard flagged.count >= 2 else { return [] }
        var shared: [Pair: Int] = [:]
        for members in windows.values {
            let suspects = members.intersection(flagged).sorted()
            guard suspects.count >= 2 else { continue }
            for (i, low) in suspects.enumerated() { for high in suspects[(i + 1)...] { shared[Pair(low: low, high: high), default: 0] += 1 } }
        }
        var findings: [Finding] = []
        for (pair, count) in shared.sorted(by: { ($0.key.low, $0.key.high) < ($1.key.low, $1.key.high) }) where count >= minimumWindows {
            if named.insert(pair).inserted { findings.append(.coordinated(replicas: [pair.low, pair.high], sharedWindows: count)) }
        }
        return findings
    }
}
