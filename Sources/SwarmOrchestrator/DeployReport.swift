import Foundation
import SwarmCrypto
import SwarmMonitor
import SwarmTopology
import SwarmSecurityLog

/// The report `swarmbft deploy --output-report FILE` writes: what the operator of the
/// original design reads after a monitored run.
public struct DeployReport: Codable, Sendable {
    public struct TopologySection: Codable, Sendable {
        public var replicas: Int
        public var f: Int
        public var quorum: Int
        public var protectionLevel: String
        enum CodingKeys: String, CodingKey { case replicas, f, quorum, protectionLevel = "protection_level" }
    }

    public struct SecuritySection: Codable, Sendable {
        public var threatLevel: String
        public var findings: [MonitorStatus.FindingLine]
        public var findingCount: Int
        public var scans: Int
        public var highestThreatLevel: String
        public var quarantined: [UInt32]
        enum CodingKeys: String, CodingKey {
            case findings, scans, quarantined
            case threatLevel = "threat_level", findingCount = "finding_count", highestThreatLevel = "highest_threat_level"
        }
    }

    public struct Checkpoint: Codable, Sendable {
        public var replica: UInt32
        public var sequence: UInt64
        public var digest: String?

        public init(replica: UInt32, sequence: UInt64, digest: String?) {
            self.replica = replica
            self.sequence = sequence
            self.digest = digest
        }
    }

    public struct ConsensusSection: Codable, Sendable {
        public var view: UInt64
        public var primary: UInt32?
        public var lastExecuted: UInt64
        /// Do the replicas' stable checkpoint digests agree (at each checkpoint sequence)?
        public var consensusIntegrity: Bool
        public var stableCheckpoints: [Checkpoint]
        public var replicasRunning: Int
        enum CodingKeys: String, CodingKey {
            case view, primary
            case lastExecuted = "last_executed", consensusIntegrity = "consensus_integrity", stableCheckpoints = "stable_checkpoints", replicasRunning = "replicas_running"
        }
    }

    public struct LogCheck: Codable, Sendable {
        public var owner: String
        public var valid: Bool
        public var entries: Int
        public var problem: String?
    }

    public struct MemorySection: Codable, Sendable {
        /// Does every security log (the monitor's and each replica's) verify?
        public var integrity: Bool
        public var logs: [LogCheck]
    }

    public struct WorkloadSection: Codable, Sendable {
        public var committed: Int
        public var failed: Int
    }

    public var swarmID: String
    public var nodeID: String
    public var generatedAt: String
    public var monitorDurationSeconds: Double
    public var topology: TopologySection
    public var security: SecuritySection
    public var consensus: ConsensusSection
    public var memory: MemorySection
    public var workload: WorkloadSection

    enum CodingKeys: String, CodingKey {
        case topology, security, consensus, memory, workload
        case swarmID = "swarm_id", nodeID = "node_id", generatedAt = "generated_at", monitorDurationSeconds = "monitor_duration_seconds"
    }

    /// Stable checkpoints agree when every two replicas at the same checkpoint sequence
    /// report the same certified digest.
    public static func checkpointsAgree(_ checkpoints: [Checkpoint]) -> Bool {
        Dictionary(grouping: checkpoints, by: \.sequence).values.allSatisfy { Set($0.map(\.digest)).count <= 1 }
    }

    /// Verifies a security log with its owner's public key (chain and signed anchors).
    public static func checkLog(owner: String, directory: String, publicKey: Ed25519.PublicKey) -> LogCheck {
        let report = LogVerifier.verify(directory: directory, publicKey: publicKey, macKey: nil)
        return LogCheck(owner: owner, valid: report.verified, entries: report.entries, problem: report.problem)
    }

    /// The report of a finished run: `final` and `statuses` were taken before it stopped;
    /// the security logs are verified now that every owner has flushed them.
    public static func make(
        _ run: SwarmRun, final: SwarmSnapshot, statuses: [NodeStatus], swarmID: String, nodeID: String, scans: Int, highestThreatLevel: String, duration: Double
    ) throws -> DeployReport {
        let topology = run.mesh.topology
        let configuration = try topology.configuration()
        let monitorStatus = MonitorStatus.read(directory: run.monitorDirectory)
        let checkpoints = statuses.map { Checkpoint(replica: $0.replica, sequence: $0.stableCheckpoint, digest: $0.stableCheckpointDigest) }
        var logs = [checkLog(owner: "monitor", directory: run.monitorDirectory + "/security-log", publicKey: try topology.monitorCertificate().ed25519PublicKey)]
        for replica in run.mesh.replicaIDs {
            logs.append(
                checkLog(
                    owner: "replica-\(replica)", directory: run.mesh.dataDirectory(of: replica) + "/security-log",
                    publicKey: try topology.publicCertificate(of: UInt32(replica)).ed25519PublicKey))
        }
        return DeployReport(
            swarmID: swarmID, nodeID: nodeID, generatedAt: ISO8601DateFormatter().string(from: Date()), monitorDurationSeconds: duration,
            topology: TopologySection(
                replicas: configuration.replicaCount, f: configuration.faultTolerance, quorum: configuration.quorum, protectionLevel: topology.protectionLevel.rawValue),
            security: SecuritySection(
                threatLevel: final.threatLevel, findings: monitorStatus?.findings ?? [], findingCount: monitorStatus?.findingCount ?? 0, scans: scans,
                highestThreatLevel: highestThreatLevel, quarantined: Array(Set(statuses.flatMap(\.quarantined))).sorted()),
            consensus: ConsensusSection(
                view: final.view, primary: final.primary, lastExecuted: final.lastExecuted, consensusIntegrity: checkpointsAgree(checkpoints), stableCheckpoints: checkpoints,
                replicasRunning: statuses.count),
            memory: MemorySection(integrity: logs.allSatisfy(\.valid), logs: logs),
            workload: WorkloadSection(committed: final.agentsCommitted, failed: final.agentsFailed)
        )
    }
}
