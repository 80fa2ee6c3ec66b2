import ArgumentParser
import Foundation
import SwarmCore
import SwarmOrchestrator
import SwarmFaults

/// `swarmbft up`: a protected swarm on this machine in one command — keys, a loopback
/// topology, the replicas, a monitor with the event stream, and agents — with a live
/// status. The README's first command runs it.
struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Start a protected local swarm (replicas, monitor, event stream, agents) and watch it.")
    @Option(help: "Number of replicas (n ≥ 4).") var replicas = 4
    @Option(help: "Stop after this many seconds (default: until Ctrl-C).") var duration: Double?
    @Option(help: "Data directory (default: a fresh directory under /tmp, named on start).") var dataDir: String?
    @Option(help: "Protection level: \(ProtectionLevel.names).") var protectionLevel = ProtectionLevel.standard
    @Option(help: "Make one replica misbehave to watch the monitor catch it: \(SwarmRun.attackNames).") var attack: String?
    @Option(help: "Number of agents writing to the swarm memory.") var agents = 4
    @Flag(help: "Print one JSON status line per second instead of the live screen.") var json = false

    func run() throws {
        guard replicas >= 4 else { throw ValidationError("--replicas must be at least 4") }
        let chosen: Misbehavior?
        do { chosen = try SwarmRun.attack(named: attack) } catch { throw ValidationError("\(error)") }
        installStopHandlers()
        let directory = dataDir ?? NSTemporaryDirectory() + "swarmbft-up-\(Int(Date().timeIntervalSince1970))"
        var options = SwarmRun.Options(directory: directory)
        options.replicaCount = replicas
        options.protectionLevel = protectionLevel
        options.attack = chosen
        options.agents = agents
        let run = try SwarmRun(options)
        if !json { printLine("starting \(replicas) replicas, a monitor and \(agents) agents in \(directory) …") }
        do { try run.start() } catch {
            run.stop()
            throw ValidationError("could not start the swarm: \(error)")
        }
        let deadline = duration.map { Date().addingTimeInterval($0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        _ = run.snapshot()
        while stopRequested == 0, deadline.map({ Date() < $0 }) ?? true {
            Thread.sleep(forTimeInterval: 1)
            let snapshot = run.snapshot()
            if json {
                printLine(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
            } else {
                printLine(LiveScreen.render(snapshot, directory: directory, attack: attack))
            }
        }
        run.stop()
        if !json {
            printLine("\nstopped. Where to look:")
            for (what, path) in run.paths { printLine("  \(what.padding(toLength: 22, withPad: " ", startingAt: 0)) \(path)") }
        }
    }
}

/// The live status screen of `up`, redrawn in place.
enum LiveScreen {
    static func render(_ snapshot: SwarmSnapshot, directory: String, attack: String?) -> String {
        var lines = [
            "\u{1B}[H\u{1B}[2J"
                + "SwarmBFT — \(snapshot.replicaCount) replicas (f = \(snapshot.faultTolerance)), \(Int(snapshot.elapsedSeconds)) s, data in \(directory)\(attack.map { ", attack: \($0)" } ?? "")"
        ]
        lines.append(
            "threat level \(snapshot.threatLevel.uppercased())   view \(snapshot.view)   primary \(snapshot.primary.map(String.init) ?? "-")   commits/s \(Int(snapshot.commitsPerSecond))   executed \(snapshot.lastExecuted)   agents ok \(snapshot.agentsCommitted) failed \(snapshot.agentsFailed)"
        )
        lines.append("")
        lines.append("replica  state           view  executed   score  quarantined by")
        for replica in snapshot.replicas {
            let state = replica.state + (replica.misbehaving.map { " (\($0))" } ?? "")
            lines.append(
                "\(String(replica.id).padding(toLength: 9, withPad: " ", startingAt: 0))\(state.padding(toLength: 16, withPad: " ", startingAt: 0))\((replica.view.map(String.init) ?? "-").padding(toLength: 6, withPad: " ", startingAt: 0))\((replica.lastExecuted.map(String.init) ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0))\(String(format: "%5.1f", replica.score))  \(replica.quarantinedBy)"
            )
        }
        lines.append("")
        lines.append("latest findings (\(snapshot.findingCount) in all):")
        if snapshot.findings.isEmpty { lines.append("  none") }
        for finding in snapshot.findings {
            lines.append("  \(finding.time) \(finding.certainty.uppercased()) \(finding.type): \(finding.summary)\(finding.evidence.map { " [\($0)]" } ?? "")")
        }
        lines.append("")
        lines.append("Ctrl-C stops everything cleanly.")
        return lines.joined(separator: "\n")
    }
}
