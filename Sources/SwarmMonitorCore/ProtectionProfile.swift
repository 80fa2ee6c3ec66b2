import SwarmCore

/// Thresholds, windows, enabled responses and cooldowns of one protection level; the
/// table in docs/security-model.md lists the four profiles.
public struct ProtectionProfile: Sendable, Equatable {
    public var level: ProtectionLevel

    // Flooding.
    /// Validly signed far-future messages from one replica that make a flooding finding.
    public var farFutureThreshold: Int
    public var rateWindowMicroseconds: UInt64
    /// Distinct messages one replica may sign within a rate window.
    public var maxMessagesPerWindow: Int
    /// Times one replica may send one identical frame within a rate window.
    public var maxRepeatsPerWindow: Int

    // Selective participation; nil turns the detector off.
    /// Consecutive committed slots a replica's votes must miss one peer (that heard a
    /// quorum of the others) before it is suspected.
    public var selectiveMissStreak: Int?

    // Timing manipulation.
    /// Proposals per primary the median is taken over.
    public var timingSamples: Int
    /// A median proposal delay at or above this fraction of the request timeout is
    /// suspicious by itself: a primary proposing "just under the timeout".
    public var timingTimeoutFraction: Double
    /// ... or this many times the other primaries' median.
    public var timingBaselineFactor: Double

    // Coordination and partitions.
    public var coordinationWindowMicroseconds: UInt64
    /// Windows in which two replicas must both be anomalous to be called coordinated.
    public var coordinationMinimumWindows: Int
    /// A link that carried nothing for this long counts as down.
    public var partitionGapMicroseconds: UInt64

    // Scores.
    public var scoreHalfLifeMicroseconds: UInt64

    // Responses.
    /// Quarantine on verified equivocation evidence without an operator.
    public var automaticQuarantine: Bool
    public var rateLimiting: Bool
    public var rateLimitMessagesPerSecond: Int
    public var rateLimitDurationMicroseconds: UInt64
    public var viewChangeRequests: Bool
    public var randomisedTimeouts: Bool
    /// Timeouts are drawn from [t, t × (1 + jitter)] by the shells.
    public var timeoutJitterFraction: Double
    /// Minimum time between two responses of one kind for one replica.
    public var responseCooldownMicroseconds: UInt64

    public static let minimal = ProtectionProfile(
        level: .minimal, farFutureThreshold: 50, rateWindowMicroseconds: 1_000_000, maxMessagesPerWindow: 5_000, maxRepeatsPerWindow: 200,
        selectiveMissStreak: nil, timingSamples: 8, timingTimeoutFraction: 0.9, timingBaselineFactor: 8,
        coordinationWindowMicroseconds: 1_000_000, coordinationMinimumWindows: 4, partitionGapMicroseconds: 10_000_000,
        scoreHalfLifeMicroseconds: 60_000_000,
        automaticQuarantine: false, rateLimiting: false, rateLimitMessagesPerSecond: 0, rateLimitDurationMicroseconds: 0,
        viewChangeRequests: false, randomisedTimeouts: false, timeoutJitterFraction: 0, responseCooldownMicroseconds: 60_000_000
    )

    public static let standard = ProtectionProfile(
        level: .standard, farFutureThreshold: 20, rateWindowMicroseconds: 1_000_000, maxMessagesPerWindow: 2_000, maxRepeatsPerWindow: 100,
        selectiveMissStreak: 8, timingSamples: 6, timingTimeoutFraction: 0.7, timingBaselineFactor: 4,
        coordinationWindowMicroseconds: 250_000, coordinationMinimumWindows: 3, partitionGapMicroseconds: 5_000_000,
        scoreHalfLifeMicroseconds: 120_000_000,
        automaticQuarantine: true, rateLimiting: true, rateLimitMessagesPerSecond: 500, rateLimitDurationMicroseconds: 30_000_000,
        viewChangeRequests: false, randomisedTimeouts: false, timeoutJitterFraction: 0, responseCooldownMicroseconds: 30_000_000
    )

    public static let enhanced = ProtectionProfile(
        level: .enhanced, farFutureThreshold: 10, rateWindowMicroseconds: 1_000_000, maxMessagesPerWindow: 1_000, maxRepeatsPerWindow: 50,
        selectiveMissStreak: 5, timingSamples: 5, timingTimeoutFraction: 0.6, timingBaselineFactor: 3,
        coordinationWindowMicroseconds: 250_000, coordinationMinimumWindows: 2, partitionGapMicroseconds: 3_000_000,
        scoreHalfLifeMicroseconds: 300_000_000,
        automaticQuarantine: true, rateLimiting: true, rateLimitMessagesPerSecond: 300, rateLimitDurationMicroseconds: 60_000_000,
        viewChangeRequests: true, randomisedTimeouts: true, timeoutJitterFraction: 0.25, responseCooldownMicroseconds: 15_000_000
    )

    public static let maximum = ProtectionProfile(
        level: .maximum, farFutureThreshold: 5, rateWindowMicroseconds: 1_000_000, maxMessagesPerWindow: 500, maxRepeatsPerWindow: 30,
        selectiveMissStreak: 4, timingSamples: 4, timingTimeoutFraction: 0.5, timingBaselineFactor: 2.5,
        coordinationWindowMicroseconds: 500_000, coordinationMinimumWindows: 2, partitionGapMicroseconds: 2_000_000,
        scoreHalfLifeMicroseconds: 600_000_000,
        automaticQuarantine: true, rateLimiting: true, rateLimitMessagesPerSecond: 100, rateLimitDurationMicroseconds: 300_000_000,
        viewChangeRequests: true, randomisedTimeouts: true, timeoutJitterFraction: 0.5, responseCooldownMicroseconds: 5_000_000
    )

    public static func profile(for level: ProtectionLevel) -> ProtectionProfile {
        switch level {
        case .minimal: .minimal
        case .standard: .standard
        case .enhanced: .enhanced
        case .maximum: .maximum
        }
    }

    /// Parses the topology's `protection_level` string; nil for anything else.
    public init?(protectionLevel: String) {
        guard let level = ProtectionLevel(rawValue: protectionLevel) else { return nil }
        self = ProtectionProfile.profile(for: level)
    }

    public init(
        level: ProtectionLevel, farFutureThreshold: Int, rateWindowMicroseconds: UInt64, maxMessagesPerWindow: Int, maxRepeatsPerWindow: Int, selectiveMissStreak: Int?,
        timingSamples: Int, timingTimeoutFraction: Double, timingBaselineFactor: Double, coordinationWindowMicroseconds: UInt64, coordinationMinimumWindows: Int,
        partitionGapMicroseconds: UInt64, scoreHalfLifeMicroseconds: UInt64, automaticQuarantine: Bool, rateLimiting: Bool, rateLimitMessagesPerSecond: Int,
        rateLimitDurationMicroseconds: UInt64, viewChangeRequests: Bool, randomisedTimeouts: Bool, timeoutJitterFraction: Double, responseCooldownMicroseconds: UInt64
    ) {
        self.level = level
        self.farFutureThreshold = farFutureThreshold
        self.rateWindowMicroseconds = rateWindowMicroseconds
        self.maxMessagesPerWindow = maxMessagesPerWindow
        self.maxRepeatsPerWindow = maxRepeatsPerWindow
        self.selectiveMissStreak = selectiveMissStreak
        self.timingSamples = timingSamples
        self.timingTimeoutFraction = timingTimeoutFraction
        self.timingBaselineFactor = timingBaselineFactor
        self.coordinationWindowMicroseconds = coordinationWindowMicroseconds
        self.coordinationMinimumWindows = coordinationMinimumWindows
        self.partitionGapMicroseconds = partitionGapMicroseconds
        self.scoreHalfLifeMicroseconds = scoreHalfLifeMicroseconds
        self.automaticQuarantine = automaticQuarantine
        self.rateLimiting = rateLimiting
        self.rateLimitMessagesPerSecond = rateLimitMessagesPerSecond
        self.rateLimitDurationMicroseconds = rateLimitDurationMicroseconds
        self.viewChangeRequests = viewChangeRequests
        self.randomisedTimeouts = randomisedTimeouts
        self.timeoutJitterFraction = timeoutJitterFraction
        self.responseCooldownMicroseconds = responseCooldownMicroseconds
    }
}
