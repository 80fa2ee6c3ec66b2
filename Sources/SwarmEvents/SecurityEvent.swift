/// How bad a security event is. The names are the topic's `<severity>` segment; the
/// numbers are OCSF `severity_id` (1 informational … 5 critical).
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    case info, low, medium, high, critical

    public var ocsfID: Int64 {
        switch self {
        case .info: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        case .critical: 5
        }
    }

    public var ocsfName: String {
        switch self {
        case .info: "Informational"
        case .low: "Low"
        case .medium: "Medium"
        case .high: "High"
        case .critical: "Critical"
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.ocsfID < rhs.ocsfID }
}

/// One security event as its producer states it: findings, evidence, responses, view
/// changes, quarantines, configuration changes. `EventJournal` gives it a sequence number,
/// keeps it in the tamper-evident log, and publishes it as a CloudEvent.
public struct SecurityEvent: Sendable, Equatable {
    /// Short snake_case name: `equivocation`, `flooding`, `view_change`, `quarantine`, …
    /// It becomes the topic's `<type>` segment and `swarmbft.security.<type>.v1`.
    public var type: String
    public var severity: Severity
    /// The replica concerned (`replica-3`), if any; CloudEvents `subject`.
    public var subject: String?
    /// One line a person can read.
    public var summary: String
    /// A finding is rendered as an OCSF Detection Finding (class 2004); other events carry
    /// `details` as their data.
    public var isFinding: Bool
    public var details: [String: JSONValue]

    public init(type: String, severity: Severity, subject: String? = nil, summary: String, isFinding: Bool = false, details: [String: JSONValue] = [:]) {
        precondition(!type.isEmpty && type.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "event types are snake_case: \(type)")
        self.type = type
        self.severity = severity
        self.subject = subject
        self.summary = summary
        self.isFinding = isFinding
        self.details = details
    }
}
