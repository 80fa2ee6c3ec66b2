import Foundation

/// A security event as it travels: CloudEvents 1.0 in structured JSON mode, with the
/// `sequence` extension (a zero-padded decimal string, so it orders lexicographically as
/// the extension requires) and a `severity` extension. The sequence is the event's index in
/// the producer's tamper-evident log, so a gap is visible and can be filled from the log.
public struct CloudEvent: Codable, Sendable, Equatable {
    public var specversion = "1.0"
    public var id: String
    public var source: String
    public var type: String
    public var subject: String?
    public var time: String
    public var datacontenttype = "application/json"
    public var sequence: String
    public var severity: String
    public var data: JSONValue

    public static let typePrefix = "swarmbft.security."
    public static let topicPrefix = "swarm/byzantine/security/"

    /// The prefix-filterable topic (frame 0): `swarm/byzantine/security/<severity>/<type>`.
    public static func topic(severity: Severity, type: String) -> String { topicPrefix + severity.rawValue + "/" + type }

    public static func sequenceString(_ sequence: UInt64) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The event's sequence number, or nil if the field is malformed.
    public var sequenceNumber: UInt64? { UInt64(sequence) }
    /// The short type (`equivocation`) from `swarmbft.security.equivocation.v1`.
    public var shortType: String {
        guard type.hasPrefix(Self.typePrefix) else { return type }
        return String(type.dropFirst(Self.typePrefix.count).split(separator: ".").first ?? "")
    }
    public var severityLevel: Severity? { Severity(rawValue: severity) }
    public var topic: String { Self.topic(severity: severityLevel ?? .info, type: shortType) }

    public init(_ event: SecurityEvent, sequence: UInt64, swarmID: String, node: String, timeMicroseconds: UInt64) {
        id = "\(node)-\(sequence)"
        source = "urn:swarm:\(swarmID):\(node)"
        type = Self.typePrefix + event.type + ".v1"
        subject = event.subject
        time = Self.rfc3339(microseconds: timeMicroseconds)
        self.sequence = Self.sequenceString(sequence)
        severity = event.severity.rawValue
        data =
            event.isFinding
            ? OCSFDetectionFinding.data(event, id: id, timeMicroseconds: timeMicroseconds)
            : .object(event.details.merging(["summary": .string(event.summary)]) { current, _ in current })
    }

    /// Canonical bytes: sorted keys, so the same event is the same bytes in the log and on the wire.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of strings, numbers and objects cannot fail.
        return try! [UInt8](encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8]) throws -> CloudEvent {
        try JSONDecoder().decode(CloudEvent.self, from: Data(bytes))
    }

    static func rfc3339(microseconds: UInt64) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let fraction = String(microseconds % 1_000_000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
            + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }
}

/// The data of a finding: an OCSF Detection Finding (class_uid 2004, category Findings),
/// so SIEMs that speak OCSF file it without a custom parser. Fields SwarmBFT adds (the
/// evidence path, counts) go under `unmapped`, as OCSF prescribes.
enum OCSFDetectionFinding {
    static func data(_ event: SecurityEvent, id: String, timeMicroseconds: UInt64) -> JSONValue {
        var object: [String: JSONValue] = [
            "class_uid": 2004, "class_name": "Detection Finding",
            "category_uid": 2, "category_name": "Findings",
            "activity_id": 1, "activity_name": "Create",
            "type_uid": 200401, "type_name": "Detection Finding: Create",
            "severity_id": .int(event.severity.ocsfID), "severity": .string(event.severity.ocsfName),
            "status_id": 1, "status": "New",
            "time": .int(Int64(timeMicroseconds / 1000)),
            "message": .string(event.summary),
            "metadata": ["version": "1.3.0", "uid": .string(id), "product": ["name": "SwarmBFT", "vendor_name": "SwarmBFT", "feature": ["name": "security-monitor"]]],
            "finding_info": [
                "uid": .string(id), "title": .string(event.summary), "types": [.string(event.type)], "analytic": ["name": .string(event.type), "type_id": 1, "type": "Rule"],
            ],
        ]
        if let subject = event.subject { object["resources"] = [["type": "replica", "uid": .string(subject)]] }
        if !event.details.isEmpty { object["unmapped"] = .object(event.details) }
        return .object(object)
    }
}
