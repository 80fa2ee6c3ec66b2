import Foundation
import SwarmCore
import SwarmEvents
import SwarmMonitorCore
import SwarmNode
import SwarmWire

/// How the monitor states what it saw as security events (docs/wire-protocol.md,
/// "Security event stream"): one place, so the stream, the log and the docs agree.
enum MonitorEvents {
    static func subject(_ replica: ReplicaID) -> String { "replica-\(replica)" }

    static func started(_ topology: Topology, configuration: Configuration) -> SecurityEvent {
        SecurityEvent(type: "monitor_started", severity: .info, summary: "monitor watching \(topology.replicas.count) replicas (f = \(configuration.faultTolerance), q = \(configuration.quorum)) at protection level \(topology.protectionLevel)", details: [
            "swarm_id": .string(topology.swarmID), "cluster_id": .string(topology.clusterID), "epoch": .int(Int64(topology.epoch)),
            "replicas": .int(Int64(topology.replicas.count)), "f": .int(Int64(configuration.faultTolerance)), "quorum": .int(Int64(configuration.quorum)),
            "protection_level": .string(topology.protectionLevel),
        ])
    }

    static func equivocation(_ file: EvidenceFile, path: String) -> SecurityEvent {
        SecurityEvent(type: "equivocation", severity: .critical, subject: subject(file.replica), summary: "replica \(file.replica) signed two different \(file.phase) messages for view \(file.view) sequence \(file.sequence)", isFinding: true, details: [
            "proven": true, "phase": .string(file.phase), "view": .int(Int64(file.view)), "sequence": .int(Int64(file.sequence)),
            "evidence_file": .string(path), "evidence": ["first": .string(file.first), "second": .string(file.second), "cluster_id": .string(file.clusterID), "epoch": .int(Int64(file.epoch))],
        ])
    }

    static func flooding(replica: ReplicaID, farFutureMessages: Int) -> SecurityEvent {
        SecurityEvent(type: "flooding", severity: .high, subject: subject(replica), summary: "replica \(replica) signed \(farFutureMessages) messages far beyond the watermarks or the view bound", isFinding: true, details: [
            "proven": true, "far_future_messages": .int(Int64(farFutureMessages)),
        ])
    }

    static func evidenceHandedOver(offender: ReplicaID, accepted: Int, replicas: Int, answers: [String]) -> SecurityEvent {
        SecurityEvent(type: "response_evidence", severity: .high, subject: subject(offender), summary: "evidence against replica \(offender) handed to the replicas: \(accepted) of \(replicas) verified it", details: [
            "accepted": .int(Int64(accepted)), "replicas": .int(Int64(replicas)), "answers": .array(answers.map(JSONValue.string)),
        ])
    }

    static func viewChange(view: ViewNumber, primary: ReplicaID, announcedBy: ReplicaID) -> SecurityEvent {
        SecurityEvent(type: "view_change", severity: .low, subject: subject(primary), summary: "view \(view) began with replica \(primary) as primary", details: [
            "view": .int(Int64(view)), "primary": .int(Int64(primary)), "new_view_from": .int(Int64(announcedBy)),
        ])
    }
}
