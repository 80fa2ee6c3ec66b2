/// Where a Byzantine replica's choices come from (random digests, garbage signatures,
/// far-away sequences). The simulator passes its seeded generator, so a seed replays the
/// lies exactly; the daemon passes the system's.
public protocol FaultRandomness {
    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int
    /// `count` uniform bytes.
    mutating func bytes(_ count: Int) -> [UInt8]
    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool
}

/// The system's randomness, for the daemon.
public struct SystemFaultRandomness: FaultRandomness {
    var generator = SystemRandomNumberGenerator()

    public init() {}

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    public mutating func bytes(_ count: Int) -> [UInt8] { (0 ..< count).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }

    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0 ..< 1, using: &generator) < probability }
}
