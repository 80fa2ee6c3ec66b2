import Foundation
import Testing
import SwarmCore
import SwarmMonitor
import SwarmMonitorCore

/// ACCEPTANCE 7 with real processes: an equivocating primary is named by a monitor on the
/// taps, with evidence that `swarmbft evidence verify` accepts and a tampered copy fails.
@Suite("Monitor on the taps", .serialized)
struct MonitorProcessTests {
    func run(_ cluster: LocalCluster, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cluster.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("An equivocating primary is named with verifiable evidence; honest replicas are not")
    func equivocatingPrimary() throws {
        let cluster = try LocalCluster(testMode: true)
        try cluster.start(0, misbehave: "equivocate")
        for replica in 1 ... 3 { try cluster.start(replica) }
        let monitorDirectory = cluster.directory + "/monitor"
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: cluster.binary)
        monitor.arguments = ["monitor", "--topology", cluster.topologyPath, "--data-dir", monitorDirectory, "--duration", "8"]
        monitor.standardOutput = FileHandle.nullDevice
        monitor.standardError = FileHandle.nullDevice
        try monitor.run()
        usleep(1_000_000)
        let client = try cluster.client()
        for index in 0 ..< 3 { _ = try put(client, "k\(index)", "v") }
        monitor.waitUntilExit()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: monitorDirectory).filter { $0.hasSuffix(".json") }) ?? []
        #expect(!files.isEmpty, "no evidence written")
        #expect(files.allSatisfy { $0.hasPrefix("evidence-r0-") }, "accused: \(files)")
        guard let file = files.first.map({ monitorDirectory + "/" + $0 }) else { return }
        #expect(try run(cluster, ["evidence", "verify", file, "--topology", cluster.topologyPath]) == 0)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"replica\" : 0", with: "\"replica\" : 1")
        try text.write(toFile: file + ".edited", atomically: true, encoding: .utf8)
        #expect(try run(cluster, ["evidence", "verify", file + ".edited", "--topology", cluster.topologyPath]) == 1)
    }
}
