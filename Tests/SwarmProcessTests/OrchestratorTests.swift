import Foundation
import Testing
import SwarmOrchestrator
import SwarmTestKit

extension ProcessSuites {
    /// Issue #7: `swarmbft up` driven headless, and `swarmbft deploy` with the seed's flags.
    @Suite("Orchestrator: up and deploy")
    struct OrchestratorTests {
        /// Runs `swarmbft ARGUMENTS`; returns its exit status and standard output (the JSON lines).
        func swarmbft(_ arguments: [String]) throws -> (status: Int32, output: String) { try LocalCluster.swarmbft(arguments, errors: false) }

        func statusLines(_ output: String) throws -> [[String: Any]] {
            try output.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON status line: \(line)")
            }
        }

        func temporaryDirectory(_ name: String) -> String { TestKit.scratchPath(name) }

        @Test("up --duration --json: commits and a healthy threat level")
        func upHealthy() throws {
            let directory = temporaryDirectory("up")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let run = try swarmbft(["up", "--duration", "12", "--json", "--data-dir", directory])
            #expect(run.status == 0)
            let lines = try statusLines(run.output)
            let last = try #require(lines.last)
            #expect((last["agents_committed"] as? Int ?? 0) > 0, "no commits: \(last)")
            #expect((last["last_executed"] as? Int ?? 0) > 0)
            #expect(["none", "low"].contains(last["threat_level"] as? String ?? "?"), "threat level \(last["threat_level"] ?? "-") in a healthy swarm")
            #expect((last["replicas"] as? [[String: Any]])?.allSatisfy { $0["state"] as? String == "normal" } == true)
        }

        /// The processes whose command line names `directory` (the replicas and monitor of one run).
        func processes(under directory: String) -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap(Int32.init).filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                let arguments = String(decoding: data, as: UTF8.self).split(separator: "\0")
                return arguments.first?.hasSuffix("swarmbft") == true && arguments.contains { $0.hasPrefix(directory) } && arguments.dropFirst().first != "up"
            }
        }

        @Test("A killed up takes its replicas and monitor with it (issue 15, finding 10)")
        func upChildrenDieWithIt() throws {
            let directory = temporaryDirectory("up-killed")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let up = Process()
            up.executableURL = URL(fileURLWithPath: TestKit.swarmbftBinary())
            up.arguments = ["up", "--duration", "120", "--json", "--data-dir", directory]
            up.standardOutput = FileHandle.nullDevice
            up.standardError = FileHandle.nullDevice
            try up.run()
            defer { for pid in processes(under: directory) { kill(pid, SIGKILL) } }
            var children: [Int32] = []
            let started = Date()
            while children.count < 5, Date().timeIntervalSince(started) < 60 {
                usleep(200_000)
                children = processes(under: directory)
            }
            #expect(children.count == 5, "expected 4 replicas and a monitor under \(directory), found \(children.count)")
            kill(up.processIdentifier, SIGKILL)
            up.waitUntilExit()
            let killed = Date()
            while !processes(under: directory).isEmpty, Date().timeIntervalSince(killed) < 20 { usleep(200_000) }
            #expect(processes(under: directory).isEmpty, "still running after up was killed: \(processes(under: directory))")
        }

        @Test("up --attack equivocate: the offender is named with evidence within one view")
        func upAttack() throws {
            let directory = temporaryDirectory("up-attack")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let run = try swarmbft(["up", "--duration", "15", "--json", "--attack", "equivocate", "--data-dir", directory])
            #expect(run.status == 0)
            let lines = try statusLines(run.output)
            let named = lines.first { line in
                (line["findings"] as? [[String: Any]])?.contains { $0["type"] as? String == "equivocation" && $0["replicas"] as? [Int] == [0] && $0["evidence"] != nil } == true
            }
            let finding = try #require(
                named.flatMap { ($0["findings"] as? [[String: Any]])?.first { $0["type"] as? String == "equivocation" } }, "replica 0 never named with evidence")
            // Named while view 0 (its view) or the next was current: within one view.
            #expect((named?["view"] as? Int ?? 99) <= 1)
            #expect(
                lines.allSatisfy { ($0["findings"] as? [[String: Any]] ?? []).allSatisfy { $0["certainty"] as? String != "proven" || $0["replicas"] as? [Int] == [0] } },
                "an honest replica was accused with proof")
            let evidence = try #require(finding["evidence"] as? String)
            let verified = try swarmbft(["evidence", "verify", evidence, "--topology", directory + "/topology.yaml"])
            #expect(verified.status == 0, "\(verified.output)")
        }

        @Test("deploy with the seed's flags writes the report; --total-nodes 9 gives f = 2 and q = 6")
        func deploy() throws {
            for (nodes, f, q) in [(4, 1, 3), (9, 2, 6)] {
                let directory = temporaryDirectory("deploy")
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let report = directory + "-report.json"
                let run = try swarmbft([
                    "deploy", "--swarm-id", "swarm-1732492800000-abc123", "--node-id", "node-1", "--total-nodes", "\(nodes)", "--protection-level", "standard",
                    "--monitor-duration", "10", "--scan-interval", "2", "--report-interval", "5", "--output-report", report, "--data-dir", directory,
                ])
                #expect(run.status == 0, "\(run.output)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
                let security = try #require(object["security"] as? [String: Any])
                let consensus = try #require(object["consensus"] as? [String: Any])
                let memory = try #require(object["memory"] as? [String: Any])
                let topology = try #require(object["topology"] as? [String: Any])
                #expect(object["swarm_id"] as? String == "swarm-1732492800000-abc123" && object["node_id"] as? String == "node-1")
                #expect(topology["replicas"] as? Int == nodes && topology["f"] as? Int == f && topology["quorum"] as? Int == q)
                #expect(["none", "low"].contains(security["threat_level"] as? String ?? "?"), "\(security)")
                #expect(security["findings"] is [Any] && (security["scans"] as? Int ?? 0) >= 3)
                #expect(consensus["view"] is Int && (consensus["last_executed"] as? Int ?? 0) > 0)
                #expect(consensus["consensus_integrity"] as? Bool == true)
                #expect(memory["integrity"] as? Bool == true, "\(memory)")
                #expect((memory["logs"] as? [Any])?.count == nodes + 1)
                #expect(run.output.contains("[scan 1]") && run.output.contains("[status]"))
            }
        }

        @Test("Negative control: consensus integrity is false when two replicas certify different digests at one checkpoint")
        func integrityControl() {
            let agree = [
                DeployReport.Checkpoint(replica: 0, sequence: 128, digest: "aa"), DeployReport.Checkpoint(replica: 1, sequence: 128, digest: "aa"),
                DeployReport.Checkpoint(replica: 2, sequence: 256, digest: "bb"),
            ]
            #expect(DeployReport.checkpointsAgree(agree))
            let disagree = agree + [DeployReport.Checkpoint(replica: 3, sequence: 128, digest: "cc")]
            #expect(!DeployReport.checkpointsAgree(disagree))
        }
    }
}
