import Foundation
import SwarmCore
import SwarmMonitor
import SwarmTopology
import SwarmSecurityLog
import SwarmFaults

/// One protected swarm on this machine, as `swarmbft up` and `swarmbft deploy` run it:
/// a local mesh of replica processes, a monitor process serving the security event
/// stream, and a workload of agents; `snapshot()` says how it is doing.
public final class SwarmRun {
    public struct Options: Sendable {
        public var replicaCount = 4
        public var directory: String
        public var protectionLevel = ProtectionLevel.standard
        public var swarmID: String?
        /// `equivocate`, `delay` (on the first primary), `flood`, `silent` (on the last replica).
        public var attack: Misbehavior?
        public var agents = 4
        public var agentIntervalMilliseconds = 20
        public init(directory: String) { self.directory = directory }
    }

    /// What `--attack` offers: the misbehaviours a live demo shows best.
    public static let attacks: [Misbehavior] = [.equivocate, .flood, .silent, .delay]
    public static var attackNames: String { attacks.map(\.rawValue).joined(separator: ", ") }

    /// The attack `name` names; nil for none, an error naming the choices for another.
    public static func attack(named name: String?) throws -> Misbehavior? {
        guard let name else { return nil }
        guard let attack = Misbehavior(rawValue: name), attacks.contains(attack) else { throw LocalMeshError("--attack must be one of \(attackNames)") }
        return attack
    }

    public let options: Options
    public let mesh: LocalMesh
    var monitor: Process?
    let workload = AgentWorkload()
    let startedAt = Date()
    var previous: (time: Date, executed: UInt64)?

    public var monitorDirectory: String { options.directory + "/monitor" }
    public var monitorLogPath: String { options.directory + "/monitor.log" }

    /// The replica that misbehaves under `attack`: the first primary for the attacks a
    /// primary makes, the last replica for the others.
    public static func attacker(of attack: Misbehavior, replicaCount: Int) -> Int {
        attack == .equivocate || attack == .delay ? 0 : replicaCount - 1
    }

    public init(_ options: Options) throws {
        if let attack = options.attack, !Self.attacks.contains(attack) { throw LocalMeshError("--attack must be one of \(Self.attackNames)") }
        self.options = options
        var meshOptions = LocalMesh.Options()
        meshOptions.replicaCount = options.replicaCount
        meshOptions.clientCount = max(1, options.agents)
        meshOptions.protectionLevel = options.protectionLevel
        meshOptions.swarmID = options.swarmID
        meshOptions.testMode = options.attack != nil
        meshOptions.basePort = LocalMesh.freeBasePort(candidates: stride(from: 17_100, to: 60_000, by: 1_000)) ?? 17_100
        if let attack = options.attack { meshOptions.misbehavior = [Self.attacker(of: attack, replicaCount: options.replicaCount): attack] }
        meshOptions.dieWithParent = true
        mesh = try LocalMesh(directory: options.directory, options: meshOptions)
    }

    public func start() throws {
        try mesh.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mesh.binaryPath)
        process.arguments = ["monitor", "--topology", mesh.topologyPath, "--data-dir", monitorDirectory]
        process.environment = ParentWatch.childEnvironment()
        FileManager.default.createFile(atPath: monitorLogPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: monitorLogPath)
        process.standardError = FileHandle(forWritingAtPath: monitorLogPath)
        try process.run()
        monitor = process
        let certificates = try (0 ..< max(1, options.agents)).map { try mesh.clientCertificate($0) }
        workload.start(topology: mesh.topology, certificates: certificates, intervalMilliseconds: options.agentIntervalMilliseconds)
    }

    /// Stops the agents, the monitor and the replicas (SIGTERM: each drains and syncs).
    public func stop() {
        workload.stop()
        if let monitor, monitor.isRunning {
            monitor.terminate()
            monitor.waitUntilExit()
        }
        _ = mesh.stop()
    }

    public func snapshot() -> SwarmSnapshot {
        let now = Date()
        let statuses = mesh.replicaIDs.map { replica -> NodeStatus? in mesh.isRunning(replica) ? mesh.status(of: replica) : nil }
        let monitorStatus = MonitorStatus.read(directory: monitorDirectory)
        let executed = statuses.compactMap { $0?.lastExecuted }.max() ?? 0
        // Requests executed, as the most advanced replica counts them since its start.
        let requests = UInt64(statuses.compactMap { $0?.counters.executedRequests }.max() ?? 0)
        var rate = 0.0
        if let previous, now.timeIntervalSince(previous.time) > 0.2 {
            rate = Double(requests - min(requests, previous.executed)) / now.timeIntervalSince(previous.time)
        }
        previous = (now, requests)
        let counts = workload.counts
        let replicas = mesh.replicaIDs.map { replica -> SwarmSnapshot.ReplicaLine in
            let status = statuses[replica]
            return SwarmSnapshot.ReplicaLine(
                id: UInt32(replica), state: status?.status ?? "down", view: status?.view, lastExecuted: status?.lastExecuted,
                score: monitorStatus?.scores["\(replica)"] ?? 0, quarantinedBy: statuses.compactMap { $0 }.filter { $0.quarantined.contains(UInt32(replica)) }.count,
                misbehaving: mesh.options.misbehavior[replica]?.rawValue
            )
        }
        let views = statuses.compactMap { $0?.view }
        return SwarmSnapshot(
            time: ISO8601DateFormatter().string(from: now), elapsedSeconds: now.timeIntervalSince(startedAt),
            replicaCount: options.replicaCount, faultTolerance: (options.replicaCount - 1) / 3,
            view: views.max() ?? 0, primary: statuses.compactMap { $0?.primary }.first, lastExecuted: executed, commitsPerSecond: rate,
            agentsCommitted: counts.committed, agentsFailed: counts.failed, threatLevel: monitorStatus?.threatLevel ?? "unknown",
            replicas: replicas, findings: Array((monitorStatus?.findings ?? []).suffix(5)), findingCount: monitorStatus?.findingCount ?? 0
        )
    }

    /// Where to look afterwards.
    public var paths: [(String, String)] {
        [
            ("topology", mesh.topologyPath), ("replica logs", options.directory + "/node-*.log"), ("replica security logs", options.directory + "/data-*/security-log"),
            ("monitor log", monitorLogPath), ("monitor security log", monitorDirectory + "/security-log"), ("evidence and findings", monitorDirectory),
        ]
    }
}

/// The swarm at one moment, as `up` shows it and `up --json` prints it.
public struct SwarmSnapshot: Codable, Sendable {
    public struct ReplicaLine: Codable, Sendable {
        public var id: UInt32
        public var state: String
        public var view: UInt64?
        public var lastExecuted: UInt64?
        public var score: Double
        /// How many replicas quarantine this one.
        public var quarantinedBy: Int
        public var misbehaving: String?

        enum CodingKeys: String, CodingKey {
            case id, state, view, score, misbehaving
            case lastExecuted = "last_executed", quarantinedBy = "quarantined_by"
        }
    }

    public var time: String
    public var elapsedSeconds: Double
    public var replicaCount: Int
    public var faultTolerance: Int
    public var view: UInt64
    public var primary: UInt32?
    public var lastExecuted: UInt64
    public var commitsPerSecond: Double
    public var agentsCommitted: Int
    public var agentsFailed: Int
    public var threatLevel: String
    public var replicas: [ReplicaLine]
    public var findings: [MonitorStatus.FindingLine]
    public var findingCount: Int

    enum CodingKeys: String, CodingKey {
        case time, view, primary, replicas, findings
        case elapsedSeconds = "elapsed_seconds", replicaCount = "replicas_total", faultTolerance = "f", lastExecuted = "last_executed"
        case commitsPerSecond = "commits_per_second", agentsCommitted = "agents_committed", agentsFailed = "agents_failed"
        case threatLevel = "threat_level", findingCount = "finding_count"
    }
}
