import Foundation
import SwarmClient
import SwarmCore
import SwarmEvents
import SwarmMonitorCore
import SwarmWire

/// What the monitor does with a finding and with the monitor core's recommended
/// responses. The core decides; this file carries out and records.
extension MonitorService {
    func handle(_ finding: Finding) throws {
        switch finding {
        case let .equivocation(evidence):
            try record(evidence)
            return
        case let .flooding(replica, count):
            findings[replica, default: []].append("flooding")
            try journal.record(MonitorEvents.flooding(replica: replica, farFutureMessages: count))
            logger.warning("replica \(replica) is flooding: \(count) validly signed messages far beyond the watermarks")
        default:
            findings[finding.accused.first ?? .max, default: []].append(finding.name)
            try journal.record(MonitorEvents.suspicion(finding))
            logger.warning("\(finding.certainty.rawValue) \(finding.name): \(MonitorEvents.summary(of: finding))")
        }
        try appendFinding([
            "type": finding.name, "certainty": finding.certainty.rawValue, "replica": finding.accused.map(String.init).joined(separator: ","),
            "summary": MonitorEvents.summary(of: finding),
        ])
        remember(
            MonitorStatus.FindingLine(
                time: ISO8601DateFormatter().string(from: Date()), type: finding.name, replicas: finding.accused, certainty: finding.certainty.rawValue,
                summary: MonitorEvents.summary(of: finding), evidence: nil))
    }

    func remember(_ line: MonitorStatus.FindingLine) {
        findingCount += 1
        recentFindings.append(line)
        if recentFindings.count > 50 { recentFindings.removeFirst(recentFindings.count - 50) }
    }

    func respond(_ response: Response) throws {
        switch response {
        case let .quarantine(replica, evidence):
            quarantineRequested.insert(replica)
            try handOver(evidence, offender: replica)
        case let .requestViewChange(view, primary, reason):
            // One voice among possibly several monitors: each replica halves its own timer
            // on it and changes view at once only on f + 1 requesters (Replica.suspectPrimary).
            let answers = try responderClient().control(SwarmClient.controlCommand(.suspectPrimary, view: view, cluster: configuration.cluster, signing: certificate.signing))
            try journal.record(
                MonitorEvents.response(
                    "response_view_change_request", subject: primary,
                    summary: "asked the replicas to suspect primary \(primary) of view \(view) (\(reason)): \(answers.filter(\.accepted).count) of \(answers.count) recorded it",
                    details: ["view": .int(Int64(view)), "reason": .string(reason)]))
        case let .rateLimit(replica, perSecond, duration):
            // Each replica enforces its own per-peer limits (ReplicaProtection); the
            // monitor's recommendation is recorded for operators.
            try journal.record(
                MonitorEvents.response(
                    "response_rate_limit", subject: replica, summary: "recommended limiting replica \(replica) to \(perSecond) messages per second for \(duration / 1_000_000) s",
                    details: ["per_second": .int(Int64(perSecond)), "duration_seconds": .int(Int64(duration / 1_000_000))]))
        case let .randomiseTimeouts(jitter, duration):
            try journal.record(
                MonitorEvents.response(
                    "response_randomise_timeouts", subject: nil,
                    summary: "recommended randomised timeouts (up to +\(Int(jitter * 100)) %) for \(duration / 1_000_000) s; replicas at enhanced and maximum draw them",
                    details: ["jitter_fraction": .double(jitter)]))
        }
    }

    func responderClient() throws -> SwarmClient {
        if let responder { return responder }
        let client = try SwarmClient(topology: topology, certificate: certificate)
        responder = client
        return client
    }

    func status() -> MonitorStatus {
        MonitorStatus(
            protectionLevel: security.profile.level.rawValue, threatLevel: security.threatLevel.description,
            scores: Dictionary(uniqueKeysWithValues: security.scores.map { ("\($0.key)", ($0.value * 10).rounded() / 10) }),
            provenFaulty: security.provenFaulty.sorted(), flagged: security.flagged.sorted(), quarantineRequested: quarantineRequested.sorted(),
            view: security.currentView, findings: recentFindings, findingCount: findingCount, observed: observed, malformed: malformed,
            tapLost: Dictionary(uniqueKeysWithValues: tapLoss.lost.map { ("\($0.key)", $0.value) }),
            relayedEvents: relayed, eventsPublished: journal.published, updated: ISO8601DateFormatter().string(from: Date())
        )
    }

    func writeStatus() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(status()) else { return }
        let path = dataDirectory + "/monitor-status.json"
        try? data.write(to: URL(fileURLWithPath: path + ".tmp"))
        _ = rename(path + ".tmp", path)
    }
}
