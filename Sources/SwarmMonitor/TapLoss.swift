/// What a monitor lost of each replica's tap. A tap is a PUB: at a subscriber's
/// high-water mark it drops silently, and the replica cannot count per subscriber. Each
/// observation carries the tap's sequence number (1, 2, ... from the replica's start),
/// so the subscriber counts the gaps itself.
public struct TapLoss: Sendable, Equatable {
    /// Observations missed, per replica.
    public private(set) var lost: [UInt32: UInt64] = [:]
    var last: [UInt32: UInt64] = [:]

    public init() {}

    public mutating func observe(replica: UInt32, sequence: UInt64) {
        // The first observation of a tap starts the count (a monitor that joins late lost
        // nothing); a sequence at or below the last one is a restarted replica, counting
        // from 1 again.
        if let previous = last[replica], sequence > previous + 1 {
            lost[replica, default: 0] += sequence - previous - 1
        }
        last[replica] = sequence
    }

    public var total: UInt64 { lost.values.reduce(0, +) }
}
