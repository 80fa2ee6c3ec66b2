import SwarmWire

/// Coordinated attacks: two or more replicas whose anomalies keep falling into the same
/// time windows. One Byzantine replica is within PBFT's budget; f that act together are
/// the budget, and a monitor that sees them correlate can warn before they reach f + 1.
/// Time is cut into windows of `windowMicroseconds`; a pair of replicas that were both
/// anomalous in `minimumWindows` distinct windows is reported, once per pair. Only
/// suspected: it is a correlation of suspicions (or of proofs, which are reported on
/// their own as proven).
///
/// Bounded: the anomalous replicas of the last `keptWindows` windows, and one counter per pair.
public struct CoordinationDetector: Sendable {
    struct Pair: Hashable {
        var low: ReplicaID
        var high: ReplicaID
    }

    let windowMicroseconds: UInt64
    let minimumWindows: Int
    let keptWindows: Int
    var windows: [UInt64: Set<ReplicaID>] = [:]
    var shared: [Pair: Int] = [:]
    var lastShared: [Pair: UInt64] = [:]
    var named = Set<Pair>()

    public init(windowMicroseconds: UInt64, minimumWindows: Int, keptWindows: Int = 64) {
        precondition(windowMicroseconds > 0 && minimumWindows > 0)
        self.windowMicroseconds = windowMicroseconds
        self.minimumWindows = minimumWindows
        self.keptWindows = keptWindows
    }

    public mutating func observe(_ anomaly: Anomaly) -> [Finding] {
        let window = anomaly.timeMicroseconds / windowMicroseconds
        var members = windows[window] ?? []
        guard members.insert(anomaly.replica).inserted else { return [] }
        windows[window] = members
        if windows.count > keptWindows, let oldest = windows.keys.min() { windows[oldest] = nil }
        var findings: [Finding] = []
        for other in members.sorted() where other != anomaly.replica {
            let pair = Pair(low: min(other, anomaly.replica), high: max(other, anomaly.replica))
            guard lastShared[pair] != window else { continue }
            lastShared[pair] = window
            shared[pair, default: 0] += 1
            if shared[pair]! >= minimumWindows, named.insert(pair).inserted {
                findings.append(.coordinated(replicas: [pair.low, pair.high], sharedWindows: shared[pair]!))
            }
        }
        return findings
    }
}
