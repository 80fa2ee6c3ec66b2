import SwarmWire

/// One anomalous act of one replica at one time: the raw signal the coordination
/// detector correlates and the anomaly score accumulates. Detectors emit an anomaly per
/// act (every missed slot, every late proposal), while they report a finding only once.
public struct Anomaly: Sendable, Equatable {
    public var replica: ReplicaID
    public var timeMicroseconds: UInt64
    /// What the anomaly adds to the replica's score before decay.
    public var weight: Double

    public init(replica: ReplicaID, timeMicroseconds: UInt64, weight: Double) {
        self.replica = replica
        self.timeMicroseconds = timeMicroseconds
        self.weight = weight
    }
}
