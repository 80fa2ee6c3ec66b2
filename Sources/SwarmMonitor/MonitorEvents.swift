import Foundation
import SwarmCore
import SwarmEvents
import SwarmMonitorCore
import SwarmTopology
import SwarmWire

/// How the monitor states what it saw as security events (docs/wire-protocol.md,
/// "Security event stream"): one place, so the stream, the log and the docs agree.
enum MonitorEvents {
    static func subject(_ replica: ReplicaID) -> String { "replica-\(replica)" }

    static func started(_ topology: Topology, configuration: Configuration) -> SecurityEvent {
        SecurityEvent(
            type: "monitor_started", severity: .info,
            summary:
                "monitor watching \(topology.replicas.count) replicas (f = \(configuration.faultTolerance), q = \(configuration.quorum)) at protection level \(topology.protectionLevel)",
            details: [
                "swarm_id": .string(topology.swarmID), "cluster_id": .string(topology.clusterID), "epoch": .int(Int64(topology.epoch)),
                "replicas": .int(Int64(topology.replicas.count)), "f": .int(Int64(configuration.faultTolerance)), "quorum": .int(Int64(configuration.quorum)),
                "protection_level": .string(topology.protectionLevel.rawValue),
            ])
    }

    static func equivocation(_ file: EvidenceFile, path: String) -> SecurityEvent {
        SecurityEvent(
            type: "equivocation", severity: .critical, subject: subject(file.replica),
            summary: "replica \(file.replica) signed two different \(file.phase) messages for view \(file.view) sequence \(file.sequence)", isFinding: true,
            details: [
                "proven": true, "phase": .string(file.phase), "view": .int(Int64(file.view)), "sequence": .int(Int64(file.sequence)),
                "evidence_file": .string(path),
                "evidence": ["first": .string(file.first), "second": .string(file.second), "cluster_id": .string(file.clusterID), "epoch": .int(Int64(file.epoch))],
            ])
    }

    static func flooding(replica: ReplicaID, farFutureMessages: Int) -> SecurityEvent {
        SecurityEvent(
            type: "flooding", severity: .high, subject: subject(replica),
            summary: "replica \(replica) signed \(farFutureMessages) messages far beyond the watermarks or the view bound", isFinding: true,
            details: [
                "proven": true, "far_future_messages": .int(Int64(farFutureMessages)),
            ])
    }

    static func evidenceHandedOver(offender: ReplicaID, accepted: Int, replicas: Int, answers: [String]) -> SecurityEvent {
        SecurityEvent(
            type: "response_evidence", severity: .high, subject: subject(offender),
            summary: "evidence against replica \(offender) handed to the replicas: \(accepted) of \(replicas) verified it",
            details: [
                "accepted": .int(Int64(accepted)), "replicas": .int(Int64(replicas)), "answers": .array(answers.map(JSONValue.string)),
            ])
    }

    /// A suspected finding (or a proven one of the newer detectors): an OCSF finding.
    static func suspicion(_ finding: Finding) -> SecurityEvent {
        let severity: Severity
        switch finding {
        case let .partition(_, quorumConnected): severity = quorumConnected ? .medium : .critical
        case .coordinated: severity = .high
        default: severity = finding.certainty == .proven ? .high : .medium
        }
        return SecurityEvent(
            type: finding.name.replacingOccurrences(of: "-", with: "_"), severity: severity, subject: finding.accused.count == 1 ? subject(finding.accused[0]) : nil,
            summary: summary(of: finding), isFinding: true,
            details: [
                "proven": .bool(finding.certainty == .proven), "certainty": .string(finding.certainty.rawValue), "accused": .array(finding.accused.map { .int(Int64($0)) }),
            ])
    }

    static func summary(of finding: Finding) -> String {
        switch finding {
        case let .equivocation(evidence): "replica \(evidence.first.payload.replicaSender ?? .max) signed two conflicting messages for one slot"
        case let .flooding(replica, count): "replica \(replica) signed \(count) messages far beyond the watermarks or the view bound"
        case let .excessiveRate(replica, messages, window): "replica \(replica) signed \(messages) distinct messages within \(window / 1000) ms"
        case let .repeatedContent(replica, repeats, window): "replica \(replica) sent one frame \(repeats) times within \(window / 1000) ms"
        case let .selectiveParticipation(replica, victim, missed):
            "replica \(replica) left \(victim.map { "replica \($0)" } ?? "some peers") out of its votes for \(missed) committed slots in a row"
        case let .timingManipulation(primary, median, baseline): "primary \(primary) proposes late: median delay \(median / 1000) ms against a baseline of \(baseline / 1000) ms"
        case let .coordinated(replicas, windows): "replicas \(replicas.map(String.init).joined(separator: ", ")) misbehaved together in \(windows) windows"
        case let .partition(unreachable, quorumConnected):
            "replicas \(unreachable.map(String.init).joined(separator: ", ")) cut off; \(quorumConnected ? "a quorum can still talk" : "NO quorum can talk")"
        }
    }

    static func response(_ type: String, subject replica: ReplicaID?, summary: String, details: [String: JSONValue]) -> SecurityEvent {
        SecurityEvent(type: type, severity: .medium, subject: replica.map(subject), summary: summary, details: details)
    }

    static func viewChange(view: ViewNumber, primary: ReplicaID, announcedBy: ReplicaID) -> SecurityEvent {
        SecurityEvent(
            type: "view_change", severity: .low, subject: subject(primary), summary: "view \(view) began with replica \(primary) as primary",
            details: [
                "view": .int(Int64(view)), "primary": .int(Int64(primary)), "new_view_from": .int(Int64(announcedBy)),
            ])
    }
}
