import Foundation
import Testing
import SwarmClient
import SwarmCore
import SwarmCrypto
import SwarmWire

extension ProcessSuites {
    /// Issue #5 with real processes: the monitor's evidence makes replicas quarantine an
    /// equivocating primary (at standard, not at minimal: each protection level shows), a
    /// double-voting backup is named, and admin overrides are signed, checked and bounded.
    @Suite("Responses with real processes")
    struct ResponseProcessTests {
        func equivocatingPrimary(level: String) throws -> (cluster: LocalCluster, committed: Int) {
            let cluster = try LocalCluster(testMode: true, protectionLevel: level)
            try cluster.start(0, misbehave: "equivocate")
            for replica in 1 ... 3 { try cluster.start(replica) }
            let monitor = try cluster.startMonitor(seconds: 14)
            usleep(1_000_000)
            let client = try cluster.client()
            client.timeoutMilliseconds = 10_000
            var committed = 0
            for index in 0 ..< 6 where (try? put(client, "k\(index)", "v")) != nil { committed += 1 }
            _ = cluster.wait(seconds: 6) { (1 ... 3).allSatisfy { cluster.status($0)?.quarantined == [0] } }
            monitor.waitUntilExit()
            return (cluster, committed)
        }

        @Test("standard: the monitor hands over evidence; every backup verifies it, quarantines the primary, and the group goes on")
        func standardQuarantines() throws {
            let (cluster, committed) = try equivocatingPrimary(level: "standard")
            for replica in 1 ... 3 {
                let status = cluster.status(replica)
                #expect(status?.quarantined == [0], "replica \(replica): \(String(describing: status?.quarantined))")
                #expect((status?.view ?? 0) >= 1, "a quarantined primary is replaced")
            }
            #expect(committed == 6, "the client's requests commit despite the equivocating primary")
            let client = try cluster.client()
            #expect(try put(client, "after", "quarantine").status == .ok)
            let findings = (try? String(contentsOfFile: cluster.monitorDirectory + "/findings.jsonl", encoding: .utf8)) ?? ""
            #expect(findings.contains("\"replica\":\"0\"") && !findings.contains("\"replica\":\"1\""), "\(findings)")
        }

        @Test("minimal: the same evidence is verified and recorded, but nobody is quarantined")
        func minimalRecordsOnly() throws {
            let (cluster, _) = try equivocatingPrimary(level: "minimal")
            for replica in 1 ... 3 { #expect(cluster.status(replica)?.quarantined == [], "replica \(replica) quarantined at minimal") }
            let log = try cluster.command(["log", "verify", cluster.directory + "/data-1/security-log", "--topology", cluster.topologyPath, "--replica", "1", "--with-mac"])
            #expect(log.status == 0, "\(log.output)")
        }

        @Test("A double-voting backup is named with evidence that verifies offline")
        func doubleVotingBackup() throws {
            let cluster = try LocalCluster(testMode: true)
            try cluster.start(2, misbehave: "double-vote")
            for replica in [0, 1, 3] { try cluster.start(replica) }
            let monitor = try cluster.startMonitor(seconds: 8)
            usleep(1_000_000)
            let client = try cluster.client()
            for index in 0 ..< 4 { _ = try put(client, "k\(index)", "v") }
            monitor.waitUntilExit()
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: cluster.monitorDirectory)) ?? []).filter { $0.hasPrefix("evidence-") }
            // double-vote votes twice in both phases (SwarmFaults: one meaning for the
            // simulator and the daemon), so the evidence is a PREPARE or a COMMIT pair,
            // and only ever against replica 2.
            #expect(!files.isEmpty && files.allSatisfy { $0.hasPrefix("evidence-r2-prepare-") || $0.hasPrefix("evidence-r2-commit-") }, "\(files)")
            // Within one view: named while the group is in view 0 or the next.
            let views = [0, 1, 3].map { cluster.status($0)?.view }
            #expect(views.allSatisfy { $0 != nil && $0! <= 1 }, "views of the honest replicas: \(views)")
            for file in files.prefix(4) {
                let verified = try cluster.command(["evidence", "verify", cluster.monitorDirectory + "/" + file, "--topology", cluster.topologyPath])
                #expect(verified.status == 0, "\(file): \(verified.output)")
            }
        }

        @Test("Quarantine is in the write-ahead log: it survives kill -9 and restart, with no quarantine.json")
        func quarantineSurvivesKill() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            _ = try put(client, "warm", "up")
            let ordered = try cluster.command(["admin", "quarantine", "--replica", "3", "--topology", cluster.topologyPath])
            #expect(ordered.output.contains("quarantined"), "\(ordered.output)")
            #expect(cluster.wait(seconds: 3) { (0 ... 2).allSatisfy { cluster.status($0)?.quarantined == [3] } })
            // No clean shutdown: the record must already be durable when the command is answered.
            cluster.signal(1, SIGKILL)
            try? FileManager.default.removeItem(atPath: "\(cluster.directory)/data-1/status.json")
            try cluster.start(1)
            #expect(cluster.wait(seconds: 10) { cluster.status(1)?.quarantined == [3] }, "after restart: \(String(describing: cluster.status(1)?.quarantined))")
            #expect(!FileManager.default.fileExists(atPath: "\(cluster.directory)/data-1/quarantine.json"))
            #expect(try put(client, "after", "restart").status == .ok)
            // Wave 1's quarantine.json is moved into the log once, then deleted.
            #expect(try cluster.command(["admin", "release", "--replica", "3", "--topology", cluster.topologyPath]).output.contains("released"))
            #expect(cluster.wait(seconds: 3) { (0 ... 2).allSatisfy { cluster.status($0)?.quarantined == [] } })
            cluster.signal(2, SIGKILL)
            let legacy = "\(cluster.directory)/data-2/quarantine.json"
            #expect(FileManager.default.createFile(atPath: legacy, contents: Data("[3]".utf8)))
            try? FileManager.default.removeItem(atPath: "\(cluster.directory)/data-2/status.json")
            try cluster.start(2)
            #expect(cluster.wait(seconds: 10) { cluster.status(2)?.quarantined == [3] && !FileManager.default.fileExists(atPath: legacy) })
            cluster.signal(2, SIGKILL)
            try? FileManager.default.removeItem(atPath: "\(cluster.directory)/data-2/status.json")
            try cluster.start(2)
            #expect(cluster.wait(seconds: 10) { cluster.status(2)?.quarantined == [3] }, "the migrated quarantine was not in the log")
            // A legacy file beyond the bound (1 MiB, though valid JSON naming replica 3) is
            // refused unread and left in place; the replica starts without applying it.
            cluster.signal(0, SIGKILL)
            let oversized = "\(cluster.directory)/data-0/quarantine.json"
            #expect(FileManager.default.createFile(atPath: oversized, contents: Data((String(repeating: " ", count: 1 << 20) + "[3]").utf8)))
            try? FileManager.default.removeItem(atPath: "\(cluster.directory)/data-0/status.json")
            try cluster.start(0)
            #expect(cluster.wait(seconds: 10) { cluster.status(0) != nil })
            #expect(cluster.status(0)?.quarantined == [], "an oversized legacy file was applied")
            #expect(FileManager.default.fileExists(atPath: oversized))
        }

        @Test("Admin overrides: quarantine ordered through consensus, at most f in the cluster (the red team's cycle stops at one); other keys and replays refused")
        func adminOverrides() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            _ = try put(client, "warm", "up")
            func admin(_ arguments: [String], key: String? = nil) throws -> (status: Int32, output: String) {
                try cluster.command(["admin"] + arguments + ["--topology", cluster.topologyPath] + (key.map { ["--key", $0] } ?? []))
            }
            // Issue 15, finding 7: ordered through consensus, so the cluster holds one set,
            // at most f — the red team's cycle (3, then 2, 1 and 0) stops after the first.
            let first = try admin(["quarantine", "--replica", "3"])
            #expect(first.status == 0 && first.output.contains("replica 3 is quarantined by every correct replica"), "\(first.output)")
            #expect(cluster.wait(seconds: 3) { (0 ... 2).allSatisfy { cluster.status($0)?.quarantined == [3] } })
            for target in [2, 1, 0] {
                let refused = try admin(["quarantine", "--replica", "\(target)"])
                #expect(refused.status == 1 && refused.output.contains("at most f = 1"), "\(refused.output)")
            }
            usleep(1_200_000)  // status files are written once a second
            #expect((0 ... 2).allSatisfy { cluster.status($0)?.quarantined == [3] }, "\((0 ... 3).map { cluster.status($0)?.quarantined ?? [99] })")
            #expect(cluster.status(3)?.quarantined == [], "replica 3 executes the same order but cannot ignore itself")
            #expect(try put(client, "with", "three").status == .ok, "q = 3 replicas still commit")
            // A client key is not an admin key: its order executes as a refusal.
            let notAdmin = try admin(["quarantine", "--replica", "2"], key: cluster.directory + "/keys/client-0.key_secret")
            #expect(notAdmin.status == 1 && notAdmin.output.contains("not an admin key"), "\(notAdmin.output)")
            #expect(try admin(["release", "--replica", "3"]).output.contains("released"))
            #expect(cluster.wait(seconds: 3) { (0 ... 3).allSatisfy { cluster.status($0)?.quarantined == [] } })
            // The ordered set survives a restart (it is replicated state, re-executed from the log).
            #expect(try admin(["quarantine", "--replica", "1"]).status == 0)
            cluster.signal(0, SIGTERM)
            cluster.processes[0]?.waitUntilExit()
            try cluster.start(0)
            #expect(cluster.wait(seconds: 10) { cluster.status(0)?.quarantined == [1] }, "after a restart: \(String(describing: cluster.status(0)?.quarantined))")
            #expect(try admin(["release", "--replica", "1"]).status == 0)
            #expect(cluster.wait(seconds: 3) { (0 ... 3).allSatisfy { cluster.status($0)?.quarantined == [] } })
            // Control frames carry quarantine no more: refused with where to go instead.
            let certificate = try CertificateFile.readSecret(path: cluster.directory + "/keys/admin-0.key_secret")
            let adminClient = try SwarmClient(topology: try cluster.topology(), certificate: certificate)
            let unordered = SwarmClient.controlCommand(.quarantine, target: 2, cluster: try cluster.topology().cluster, signing: certificate.signing)
            #expect(try adminClient.control(unordered).allSatisfy { !$0.accepted && $0.text.contains("ordered through consensus") })
            let viewBefore = cluster.status(1)?.view ?? 0
            #expect(try admin(["view-change"]).status == 0)
            #expect(cluster.wait(seconds: 10) { (0 ... 3).allSatisfy { (cluster.status($0)?.view ?? 0) > viewBefore } })
            // A client key is not an admin key.
            let refused = try admin(["view-change"], key: cluster.directory + "/keys/client-0.key_secret")
            #expect(refused.status == 1 && refused.output.contains("not an admin key"), "\(refused.output)")
            // The same signed command twice: the second is a replay.
            let frames = SwarmClient.controlCommand(.viewChange, cluster: try cluster.topology().cluster, signing: certificate.signing)
            #expect(try adminClient.control(frames).allSatisfy(\.accepted))
            #expect(try adminClient.control(frames).allSatisfy { !$0.accepted && $0.text.contains("replay") })
            // ... also after a restart (issue 15, finding 10: nonces lived in memory only).
            cluster.signal(0, SIGTERM)
            cluster.processes[0]?.waitUntilExit()
            try cluster.start(0)
            #expect(cluster.wait(seconds: 10) { (try? adminClient.status(of: 0, timeoutMilliseconds: 500)) != nil }, "replica 0 did not come back")
            let afterRestart = try adminClient.control(frames).first { $0.replica == 0 }
            #expect(afterRestart.map { !$0.accepted && $0.text.contains("replay") } == true, "replayed after a restart: \(String(describing: afterRestart))")
            // Evidence that is not evidence is refused, with the reason, and changes no quarantine.
            let before = (0 ... 3).map { cluster.status($0)?.quarantined ?? [99] }
            #expect(before == [[], [], [], []])
            let garbage = try adminClient.control([ControlFrames.evidence, Array("not a frame".utf8), Array("nor this".utf8)])
            #expect(garbage.allSatisfy { !$0.accepted && $0.text.contains("do not decode") }, "\(garbage.map(\.text))")
            usleep(1_200_000)
            #expect((0 ... 3).map { cluster.status($0)?.quarantined ?? [99] } == before)
        }
    }
}

extension ProcessSuites {
    /// Issue #5: `swarmbft monitor-proxy` fans the taps in once; two monitors behind it both
    /// name an equivocating primary, and the capture socket sees the traffic.
    @Suite("Monitor proxy")
    struct MonitorProxyTests {
        @Test("Two monitors through one proxy both name the equivocating primary")
        func twoMonitorsThroughProxy() throws {
            // Minimal: nobody is quarantined, so the primary keeps equivocating for both
            // monitors, whichever subscribes first.
            let cluster = try LocalCluster(testMode: true, protectionLevel: "minimal")
            let port = try cluster.topology().events.catchupPort + 50
            let proxy = Process()
            proxy.executableURL = URL(fileURLWithPath: cluster.binary)
            proxy.arguments = [
                "monitor-proxy", "--topology", cluster.topologyPath, "--bind", "tcp://127.0.0.1:\(port)", "--capture", "tcp://127.0.0.1:\(port + 1)", "--duration", "20",
            ]
            proxy.standardOutput = FileHandle.nullDevice
            try proxy.run()
            try cluster.start(0, misbehave: "equivocate")
            for replica in 1 ... 3 { try cluster.start(replica) }
            // The second monitor serves its event stream elsewhere: copy the topology with other event ports.
            var monitors: [(Process, String)] = []
            for index in 0 ..< 2 {
                var topologyPath = cluster.topologyPath
                if index == 1 {
                    topologyPath = cluster.directory + "/topology-monitor-b.yaml"
                    var topology = try cluster.topology()
                    topology.events.publishPort += 10
                    topology.events.catchupPort += 10
                    try topology.yaml().write(toFile: topologyPath, atomically: true, encoding: .utf8)
                }
                let directory = cluster.directory + "/monitor-\(index)"
                let monitor = Process()
                monitor.executableURL = URL(fileURLWithPath: cluster.binary)
                monitor.arguments = ["monitor", "--topology", topologyPath, "--data-dir", directory, "--via", "tcp://127.0.0.1:\(port)", "--duration", "15"]
                monitor.standardOutput = FileHandle.nullDevice
                monitor.standardError = FileHandle.nullDevice
                try monitor.run()
                monitors.append((monitor, directory))
            }
            // Subscriptions travel monitor → proxy → taps; give them time, then keep the
            // equivocating primary busy for a while.
            usleep(3_000_000)
            let client = try cluster.client()
            for index in 0 ..< 8 {
                _ = try? put(client, "k\(index)", "v")
                usleep(300_000)
            }
            for (monitor, directory) in monitors {
                monitor.waitUntilExit()
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("evidence-") }
                #expect(!files.isEmpty && files.allSatisfy { $0.hasPrefix("evidence-r0-") }, "\(directory): \(files)")
            }
            proxy.waitUntilExit()
            #expect(proxy.terminationStatus == 0, "the proxy did not stop cleanly")
        }
    }
}

extension ProcessSuites {
    /// Issue #5: the partition detector sees a replica cut off (traffic gaps and the
    /// replicas' socket monitors, published on their taps), accuses nobody, and says the
    /// remaining q replicas still talk.
    @Suite("Partition seen by the monitor")
    struct PartitionProcessTests {
        @Test("A killed replica is reported cut off, with a quorum still connected")
        func killedReplica() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let monitor = try cluster.startMonitor(seconds: 16)
            usleep(1_000_000)
            _ = try put(try cluster.client(), "before", "cut")
            cluster.signal(3, SIGKILL)
            monitor.waitUntilExit()
            let lines = ((try? String(contentsOfFile: cluster.monitorDirectory + "/findings.jsonl", encoding: .utf8)) ?? "").split(separator: "\n")
            let partitions = lines.filter { $0.contains("\"type\":\"partition\"") }
            #expect(!partitions.isEmpty, "no partition finding: \(lines)")
            #expect(partitions.allSatisfy { $0.contains("replicas 3 cut off") && $0.contains("a quorum can still talk") }, "\(partitions)")
            #expect(lines.allSatisfy { !$0.contains("\"certainty\":\"proven\"") }, "a crash is not proof of anything: \(lines)")
        }
    }
}
