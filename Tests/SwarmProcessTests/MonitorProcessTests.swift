import Foundation
import Testing
import SwarmCore
import SwarmEvents
import SwarmMonitor
import SwarmSecurityLog
import SwarmMonitorCore

extension ProcessSuites {
    /// ACCEPTANCE 7 with real processes: an equivocating primary is named by a monitor on the
    /// taps, with evidence that `swarmbft evidence verify` accepts and a tampered copy fails.
    @Suite("Monitor on the taps")
    struct MonitorProcessTests {
        func run(_ cluster: LocalCluster, _ arguments: [String]) throws -> Int32 { try cluster.command(arguments).status }

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
            let files = (try? FileManager.default.contentsOfDirectory(atPath: monitorDirectory).filter { $0.hasPrefix("evidence-") && $0.hasSuffix(".json") }) ?? []
            #expect(!files.isEmpty, "no evidence written")
            #expect(files.allSatisfy { $0.hasPrefix("evidence-r0-") }, "accused: \(files)")
            // Within one view: the primary of view 0 is named before the group leaves view 1.
            let views = (1 ... 3).map { cluster.status($0)?.view }
            #expect(views.allSatisfy { $0 != nil && $0! <= 1 }, "views of the honest replicas: \(views)")
            guard let file = files.first.map({ monitorDirectory + "/" + $0 }) else { return }
            #expect(try run(cluster, ["evidence", "verify", file, "--topology", cluster.topologyPath]) == 0)
            var text = try String(contentsOfFile: file, encoding: .utf8)
            text = text.replacingOccurrences(of: "\"replica\" : 0", with: "\"replica\" : 1")
            try text.write(toFile: file + ".edited", atomically: true, encoding: .utf8)
            #expect(try run(cluster, ["evidence", "verify", file + ".edited", "--topology", cluster.topologyPath]) == 1)

            // Issue #6: the finding is in the monitor's tamper-evident log as an OCSF finding
            // that carries the evidence; the log verifies, and an exported range verifies elsewhere.
            let logDirectory = monitorDirectory + "/security-log"
            #expect(try run(cluster, ["log", "verify", logDirectory, "--topology", cluster.topologyPath, "--monitor", "--with-mac"]) == 0)
            let monitorKey = try cluster.topology().monitorCertificate().ed25519PublicKey
            let events = try LogBundle.verify(LogBundle.export(directory: logDirectory, first: 0, last: nil), publicKey: monitorKey).entries.map { try CloudEvent.decode($0.event) }
            #expect(events.first?.shortType == "monitor_started")
            // The monitor's own findings; replicas' relayed events say who reported them.
            let equivocations = events.filter { $0.shortType == "equivocation" && $0.data["unmapped"]?["reported_by"] == nil }
            #expect(
                !equivocations.isEmpty
                    && equivocations.allSatisfy { $0.subject == "replica-0" && $0.data["class_uid"] == .int(2004) && $0.data["unmapped"]?["evidence"]?["first"] != nil })
            let bundle = cluster.directory + "/monitor.sblog"
            #expect(try run(cluster, ["log", "export", logDirectory, "--topology", cluster.topologyPath, "--monitor", "--out", bundle]) == 0)
            #expect(try run(cluster, ["log", "import", bundle, "--topology", cluster.topologyPath, "--monitor", "--into", cluster.directory + "/archive"]) == 0)
            #expect(
                try run(cluster, ["log", "import", bundle, "--topology", cluster.topologyPath, "--replica", "1", "--into", cluster.directory + "/archive"]) == 1,
                "a bundle imported as another node's log")
            var tampered = try [UInt8](Data(contentsOf: URL(fileURLWithPath: bundle)))
            tampered[tampered.count / 2] ^= 0x20
            try Data(tampered).write(to: URL(fileURLWithPath: bundle + ".tampered"))
            #expect(try run(cluster, ["log", "verify", bundle + ".tampered", "--topology", cluster.topologyPath, "--monitor"]) == 1)
        }
    }
}
