import Foundation

/// What the monitor reports about itself and the swarm, rewritten every second as
/// `MONITOR_DATA_DIR/monitor-status.json` (for `swarmbft up`, `deploy` and operators).
public struct MonitorStatus: Codable, Sendable {
    public struct FindingLine: Codable, Sendable {
        public var time: String
        public var type: String
        public var replicas: [UInt32]
        /// `proven` (signed proof) or `suspected` (statistics over timing and absence).
        public var certainty: String
        public var summary: String
        public var evidence: String?
    }

    public var protectionLevel: String
    public var threatLevel: String
    /// Anomaly score per replica (by id), decaying with the profile's half-life.
    public var scores: [String: Double]
    public var provenFaulty: [UInt32]
    public var flagged: [UInt32]
    /// Replicas the monitor asked the replicas to quarantine (they verify and decide).
    public var quarantineRequested: [UInt32]
    public var view: UInt64
    /// The newest findings, oldest first (at most 50).
    public var findings: [FindingLine]
    public var findingCount: Int
    public var observed: Int
    public var malformed: Int
    /// Tap observations missed, per replica (gaps in the taps' sequence numbers).
    public var tapLost: [String: UInt64]
    public var relayedEvents: Int
    public var eventsPublished: Int
    public var updated: String

    enum CodingKeys: String, CodingKey {
        case protectionLevel = "protection_level", threatLevel = "threat_level", scores, provenFaulty = "proven_faulty", flagged
        case quarantineRequested = "quarantine_requested", view, findings, findingCount = "finding_count", observed, malformed, tapLost = "tap_lost"
        case relayedEvents = "relayed_events", eventsPublished = "events_published", updated
    }

    public static func read(directory: String) -> MonitorStatus? {
        guard let data = FileManager.default.contents(atPath: directory + "/monitor-status.json") else { return nil }
        return try? JSONDecoder().decode(MonitorStatus.self, from: data)
    }
}
