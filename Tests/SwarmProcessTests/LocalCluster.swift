import Foundation
import SwarmClient
import SwarmCrypto
import SwarmNode
import SwarmTopology
import SwarmOrchestrator
import SwarmTestKit

struct ClusterError: Error, CustomStringConvertible { let description: String }

/// Real replica processes on loopback for [PROC] tests: `swarmbft topology init`, then one
/// `swarmbft node` process per replica, killed and restarted as a test needs.
final class LocalCluster {
    let directory: String
    let replicaCount: Int
    let binary: String
    var processes: [Int: Process] = [:]
    let topologyPath: String

    /// A port range unlikely to be in use: derived from the process id and a counter.
    nonisolated(unsafe) static var nextBase = 20_000 + Int(getpid() % 400) * 100

    init(replicas: Int = 4, timeouts: [String: Int] = [:], testMode: Bool = false, protectionLevel: String = "standard") throws {
        replicaCount = replicas
        binary = TestKit.swarmbftBinary()
        directory = TestKit.scratchPath("proc")
        topologyPath = directory + "/topology.yaml"
        Self.nextBase += 1000
        if Self.nextBase > 60_000 { Self.nextBase = 20_000 }
        // Tests of other targets bind ports at the same time: take a range that is free now.
        Self.nextBase =
            LocalMesh.freeBasePort(candidates: Array(stride(from: Self.nextBase, to: 60_000, by: 1000)) + Array(stride(from: 20_000, to: Self.nextBase, by: 1000))) ?? Self.nextBase
        try run([binary, "topology", "init", "--replicas", "\(replicas)", "--out", directory, "--base-port", "\(Self.nextBase)", "--clients", "2"])
        var text = try String(contentsOfFile: topologyPath, encoding: .utf8)
        for (key, value) in timeouts {
            text = text.replacingOccurrences(of: #"(?m)^(\s*\#(key): )\d+"#, with: "$1\(value)", options: .regularExpression)
        }
        if testMode { text = text.replacingOccurrences(of: "test_mode: false", with: "test_mode: true") }
        text = text.replacingOccurrences(of: "protection_level: standard", with: "protection_level: \(protectionLevel)")
        try text.write(toFile: topologyPath, atomically: true, encoding: .utf8)
    }

    deinit {
        for process in processes.values where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ClusterError(description: "\(arguments) exited \(process.terminationStatus)") }
    }

    func start(_ replica: Int, misbehave: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["node", "--topology", topologyPath, "--replica", "\(replica)", "--data-dir", "\(directory)/data-\(replica)", "--log-level", "warning"]
            + (misbehave.map { ["--misbehave", $0] } ?? [])
        let log =
            FileHandle(forWritingAtPath: "\(directory)/node-\(replica).log")
            ?? {
                FileManager.default.createFile(atPath: "\(directory)/node-\(replica).log", contents: nil)
                return FileHandle(forWritingAtPath: "\(directory)/node-\(replica).log")!
            }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        processes[replica] = process
    }

    func startAll() throws {
        for replica in 0 ..< replicaCount { try start(replica) }
    }

    func signal(_ replica: Int, _ signal: Int32) {
        guard let process = processes[replica] else { return }
        kill(process.processIdentifier, signal)
        if signal == SIGKILL || signal == SIGTERM { process.waitUntilExit() }
    }

    func isRunning(_ replica: Int) -> Bool { processes[replica]?.isRunning ?? false }

    func exitStatus(_ replica: Int) -> Int32? {
        guard let process = processes[replica], !process.isRunning else { return nil }
        return process.terminationStatus
    }

    func status(_ replica: Int) -> NodeStatus? {
        guard let data = FileManager.default.contents(atPath: "\(directory)/data-\(replica)/status.json") else { return nil }
        return try? JSONDecoder().decode(NodeStatus.self, from: data)
    }

    func topology() throws -> Topology { try Topology.load(path: topologyPath) }

    func client(_ index: Int = 0) throws -> SwarmClient {
        let certificate = try CertificateFile.readSecret(path: "\(directory)/keys/client-\(index).key_secret")
        let client = try SwarmClient(topology: try topology(), certificate: certificate)
        client.timeoutMilliseconds = 30_000
        return client
    }

    /// Waits until `condition` holds, polling; returns whether it did within `seconds`.
    func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    /// True once every listed replica reports the same last executed sequence and digest.
    func converged(_ replicas: [Int]? = nil) -> Bool {
        let statuses = (replicas ?? Array(0 ..< replicaCount)).map { status($0) }
        guard statuses.allSatisfy({ $0 != nil }) else { return false }
        return Set(statuses.map { "\($0!.lastExecuted)/\($0!.stateDigest)" }).count == 1
    }

    /// Starts `swarmbft monitor` on this cluster for `seconds`; its data directory is `monitorDirectory`.
    func startMonitor(seconds: Double) throws -> Process {
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: binary)
        monitor.arguments = ["monitor", "--topology", topologyPath, "--data-dir", monitorDirectory, "--duration", "\(seconds)"]
        let log = directory + "/monitor.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        monitor.standardOutput = FileHandle(forWritingAtPath: log)
        monitor.standardError = FileHandle(forWritingAtPath: log)
        try monitor.run()
        return monitor
    }

    var monitorDirectory: String { directory + "/monitor" }

    /// Runs `swarmbft ARGUMENTS` to completion; returns its exit status and output
    /// (standard output, and standard error too unless `errors` is false).
    static func swarmbft(_ arguments: [String], errors: Bool = true) throws -> (status: Int32, output: String) {
        try TestKit.runSwarmbft(arguments, errors: errors)
    }

    func command(_ arguments: [String]) throws -> (status: Int32, output: String) { try Self.swarmbft(arguments) }

    /// L1 of ACCEPTANCE.md for this topology: 2 × the largest view-change timeout + 5 s.
    func livenessBoundMilliseconds() throws -> Int {
        let timeouts = try topology().timeouts
        return 2 * timeouts.maxViewChangeTicks * timeouts.tickMilliseconds + 5_000
    }

    /// One line per replica: running or not, view, status and last executed sequence.
    func summary() -> String {
        (0 ..< replicaCount).map { replica in
            let state = status(replica).map { "view \($0.view) \($0.status) executed \($0.lastExecuted)" } ?? "no status"
            return "\(replica): \(isRunning(replica) ? "up" : "down"), \(state)"
        }.joined(separator: "; ")
    }

    /// The last lines of every replica's log, for a failing test to print.
    func logTails(lines: Int = 15) -> String {
        (0 ..< replicaCount).map { replica in
            "--- replica \(replica)\n" + log(replica).split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func log(_ replica: Int) -> String {
        (try? String(contentsOfFile: "\(directory)/node-\(replica).log", encoding: .utf8)) ?? ""
    }
}
