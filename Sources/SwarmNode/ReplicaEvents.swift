import SwarmTopology
import SwarmCore
import SwarmFaults
import SwarmCrypto
import SwarmEvents
import SwarmWire

/// How a replica states its security events: one place, so its log, its tap and the docs agree.
enum ReplicaEvents {
    static func subject(_ replica: ReplicaID) -> String { "replica-\(replica)" }

    static func started(_ topology: Topology, replica: ReplicaID, configuration: Configuration, protection: ReplicaProtection, misbehavior: Misbehavior?) -> SecurityEvent {
        var details: [String: JSONValue] = [
            "cluster_id": .string(topology.clusterID), "epoch": .int(Int64(topology.epoch)), "replicas": .int(Int64(configuration.replicaCount)),
            "f": .int(Int64(configuration.faultTolerance)), "quorum": .int(Int64(configuration.quorum)), "protection_level": .string(protection.level.rawValue),
        ]
        if let misbehavior { details["misbehave"] = .string(misbehavior.rawValue) }
        return SecurityEvent(
            type: "replica_started", severity: misbehavior == nil ? .info : .high, subject: subject(replica),
            summary:
                "replica \(replica) started (n = \(configuration.replicaCount), f = \(configuration.faultTolerance), q = \(configuration.quorum), protection \(protection.level))\(misbehavior.map { " with fault injection \($0.rawValue)" } ?? "")",
            details: details)
    }

    static func enteredView(_ view: ViewNumber, primary: ReplicaID, replica: ReplicaID) -> SecurityEvent {
        SecurityEvent(
            type: "view_change", severity: .low, subject: subject(primary), summary: "replica \(replica) entered view \(view); primary is replica \(primary)",
            details: ["view": .int(Int64(view)), "primary": .int(Int64(primary))])
    }

    static func evidenceVerified(_ offender: ReplicaID, phase: String, view: ViewNumber, sequence: SequenceNumber, source: String) -> SecurityEvent {
        SecurityEvent(
            type: "equivocation", severity: .critical, subject: subject(offender),
            summary: "verified evidence (\(source)): replica \(offender) signed two different \(phase) for view \(view) sequence \(sequence)", isFinding: true,
            details: [
                "proven": true, "phase": .string(phase), "view": .int(Int64(view)), "sequence": .int(Int64(sequence)), "source": .string(source),
            ])
    }

    static func quarantine(_ offender: ReplicaID, outcome: QuarantineOutcome, reason: String) -> SecurityEvent {
        let applied = outcome == .quarantined
        return SecurityEvent(
            type: applied ? "quarantine" : "quarantine_refused", severity: applied ? .high : .medium, subject: subject(offender),
            summary: applied ? "replica \(offender) quarantined: \(reason)" : "quarantine of replica \(offender) not applied (\(outcome)): \(reason)",
            details: ["outcome": .string("\(outcome)"), "reason": .string(reason)])
    }

    static func recordedOnly(_ offender: ReplicaID, level: ProtectionLevel) -> SecurityEvent {
        SecurityEvent(
            type: "quarantine_not_automatic", severity: .medium, subject: subject(offender),
            summary: "replica \(offender) not quarantined: protection level \(level) records evidence only (an admin can quarantine it)",
            details: ["protection_level": .string(level.rawValue)])
    }

    static func released(_ replica: ReplicaID, by: String) -> SecurityEvent {
        SecurityEvent(type: "release", severity: .medium, subject: subject(replica), summary: "replica \(replica) released from quarantine by \(by)", details: ["by": .string(by)])
    }

    static func rateLimited(_ peer: ReplicaID, perSecond: Double, reason: String) -> SecurityEvent {
        SecurityEvent(
            type: "rate_limit", severity: .high, subject: subject(peer), summary: "replica \(peer) limited to \(Int(perSecond)) messages per second: \(reason)",
            details: ["per_second": .double(perSecond), "reason": .string(reason)])
    }

    static func rateRestored(_ peer: ReplicaID) -> SecurityEvent {
        SecurityEvent(
            type: "rate_limit_ended", severity: .info, subject: subject(peer), summary: "replica \(peer) is back at the default rate: its penalty ran out",
            details: [:])
    }

    static func flooding(_ peer: ReplicaID, farFutureMessages: Int) -> SecurityEvent {
        SecurityEvent(
            type: "flooding", severity: .high, subject: subject(peer), summary: "replica \(peer) signed \(farFutureMessages) messages far beyond the watermarks or the view bound",
            isFinding: true, details: ["proven": true, "far_future_messages": .int(Int64(farFutureMessages))])
    }

    static func control(_ command: ControlCommand, outcome: String, accepted: Bool) -> SecurityEvent {
        SecurityEvent(
            type: accepted ? "control_applied" : "control_refused", severity: accepted ? .medium : .high,
            subject: command.kind == .suspectPrimary || command.kind == .viewChange ? nil : subject(command.target),
            summary:
                "\(command.kind.name)\(command.kind == .quarantine || command.kind == .release ? " replica \(command.target)" : "") \(accepted ? "applied" : "refused"): \(outcome)",
            details: [
                "command": .string(command.kind.name), "target": .int(Int64(command.target)), "view": .int(Int64(command.view)), "signer": .string(hexString(command.signer)),
                // Read back at start (ReplicaSecurity.restoreNonces): a replay after a restart is refused.
                "nonce": .string(hexString(command.nonce)), "issued_at_us": .int(Int64(clamping: command.issuedAtMicroseconds)),
            ])
    }
}
