import ArgumentParser
import Foundation
import SwarmCore
import SwarmMonitor
import SwarmTopology
import SwarmOrchestrator

/// `swarmbft deploy`: the orchestrator with the interface operators of the original design
/// expect. It brings up a protected swarm of `--total-nodes` replicas on this machine,
/// scans the threat level every `--scan-interval` seconds, reports status every
/// `--report-interval`, and after `--monitor-duration` writes a JSON report.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deploy", abstract: "Deploy a protected swarm locally, monitor it, and write a JSON report.")
    @Option(help: "Swarm id (swarm-<ms>-<rand>).") var swarmId: String
    @Option(help: "This orchestrator's node id, recorded in the report.") var nodeId = "node-1"
    @Option(help: "Number of replicas (n ≥ 4; f = ⌊(n−1)/3⌋, q = ⌈(n+f+1)/2⌉).") var totalNodes = 4
    @Option(help: "Protection level: \(ProtectionLevel.names).") var protectionLevel = ProtectionLevel.standard
    @Option(help: "How long to monitor, in seconds.") var monitorDuration = 60.0
    @Option(help: "Write the JSON report here.") var outputReport: String
    @Option(help: "Seconds between threat scans.") var scanInterval = 5.0
    @Option(help: "Seconds between status reports.") var reportInterval = 30.0
    @Option(help: "Data directory (default: a fresh directory under /tmp).") var dataDir: String?
    @Option(help: "Make one replica misbehave (test beds): \(SwarmRun.attackNames).") var attack: String?

    func run() throws {
        guard totalNodes >= 4 else { throw ValidationError("--total-nodes must be at least 4 (n ≥ 3f + 1 with f ≥ 1)") }
        installStopHandlers()
        let directory = dataDir ?? NSTemporaryDirectory() + "swarmbft-deploy-\(swarmId)-\(Int(Date().timeIntervalSince1970))"
        var options = SwarmRun.Options(directory: directory)
        options.replicaCount = totalNodes
        options.protectionLevel = protectionLevel
        options.swarmID = swarmId
        do { options.attack = try SwarmRun.attack(named: attack) } catch { throw ValidationError("\(error)") }
        let run = try SwarmRun(options)
        let configuration = try run.mesh.topology.configuration()
        print(
            "deploy \(swarmId) from \(nodeId): n = \(totalNodes), f = \(configuration.faultTolerance), q = \(configuration.quorum), protection \(protectionLevel), data in \(directory)"
        )
        try run.start()
        let started = Date()
        var nextScan = started.addingTimeInterval(scanInterval), nextReport = started.addingTimeInterval(reportInterval)
        var scans = 0
        var highest = "none"
        let order = ["unknown", "none", "low", "elevated", "high", "critical"]
        _ = run.snapshot()
        while stopRequested == 0, Date().timeIntervalSince(started) < monitorDuration {
            Thread.sleep(forTimeInterval: 0.25)
            let now = Date()
            if now >= nextScan {
                let snapshot = run.snapshot()
                scans += 1
                if (order.firstIndex(of: snapshot.threatLevel) ?? 0) > (order.firstIndex(of: highest) ?? 0) { highest = snapshot.threatLevel }
                print("[scan \(scans)] threat \(snapshot.threatLevel), \(snapshot.findingCount) findings, view \(snapshot.view)")
                nextScan = now.addingTimeInterval(scanInterval)
            }
            if now >= nextReport {
                let snapshot = run.snapshot()
                print(
                    "[status] \(Int(now.timeIntervalSince(started))) s: view \(snapshot.view), primary \(snapshot.primary.map(String.init) ?? "-"), executed \(snapshot.lastExecuted), agents \(snapshot.agentsCommitted) ok / \(snapshot.agentsFailed) failed, replicas up \(snapshot.replicas.filter { $0.state != "down" }.count)/\(totalNodes)"
                )
                nextReport = now.addingTimeInterval(reportInterval)
            }
        }
        let final = run.snapshot()
        let statuses = run.mesh.replicaIDs.compactMap { run.mesh.status(of: $0) }
        run.stop()
        let report = try DeployReport.make(
            run, final: final, statuses: statuses, swarmID: swarmId, nodeID: nodeId, scans: scans, highestThreatLevel: highest, duration: Date().timeIntervalSince(started))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: outputReport))
        print(
            "report: \(outputReport): threat level \(report.security.threatLevel), \(report.security.findingCount) findings, consensus integrity \(report.consensus.consensusIntegrity), memory integrity \(report.memory.integrity)"
        )
    }
}
