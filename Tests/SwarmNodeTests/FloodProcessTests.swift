import Foundation
import Testing
import SwarmClient

extension ProcessSuites {
    /// ACCEPTANCE 8 with real processes: a replica with a valid key floods the others with
    /// validly signed far-future messages. It is rate-limited and reported; honest throughput
    /// stays at least half the baseline; the honest replicas' memory grows by at most 64 MiB.
    @Suite("Flooding replica")
    struct FloodProcessTests {
        func residentMebibytes(_ pid: Int32) -> Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
            return kibibytes / 1024
        }

        func throughput(_ client: SwarmClient, seconds: Double, tag: String) -> Double {
            let deadline = Date().addingTimeInterval(seconds)
            var committed = 0
            while Date() < deadline {
                if (try? put(client, "\(tag)-\(committed)", "v")) != nil { committed += 1 }
            }
            return Double(committed) / seconds
        }

        @Test("Rate-limited and reported; throughput ≥ 50 % of baseline; memory within 64 MiB")
        func flood() throws {
            let cluster = try LocalCluster(testMode: true)
            try cluster.startAll()
            let monitor = try cluster.startMonitor(seconds: 25)
            let client = try cluster.client()
            _ = try put(client, "warm", "up")
            let firstBaseline = throughput(client, seconds: 3, tag: "base")
            let baselineMemory = (0 ... 2).map { residentMebibytes(cluster.processes[$0]!.processIdentifier) }

            cluster.signal(3, SIGTERM)
            try cluster.start(3, misbehave: "flood")
            usleep(2_000_000)
            let underFlood = throughput(client, seconds: 5, tag: "flood")
            let floodMemory = (0 ... 2).map { residentMebibytes(cluster.processes[$0]!.processIdentifier) }
            let statuses = (0 ... 2).compactMap { cluster.status($0) }
            // A second baseline after the flood: other load on the machine changes over the
            // test, and the flood is judged against the lower of the two.
            cluster.signal(3, SIGTERM)
            try cluster.start(3)
            usleep(1_000_000)
            let baseline = min(firstBaseline, throughput(client, seconds: 3, tag: "again"))
            monitor.waitUntilExit()

            print("flood: baseline \(Int(firstBaseline)) then \(Int(baseline)) req/s, under flood \(Int(underFlood)) req/s; memory \(baselineMemory.map { Int($0) }) → \(floodMemory.map { Int($0) }) MiB; rate-limited \(statuses.map { $0.rateLimitedByPeer["3"] ?? 0 }); dropped outside watermarks \(statuses.map { $0.dropped["outsideWatermarks"] ?? 0 })")
            #expect(baseline > 0 && underFlood >= 0.5 * baseline, "baseline \(baseline), under flood \(underFlood)")
            for (before, after) in zip(baselineMemory, floodMemory) { #expect(after - before <= 64, "memory grew \(after - before) MiB") }
            #expect(statuses.count == 3 && statuses.allSatisfy { ($0.rateLimitedByPeer["3"] ?? 0) > 0 }, "the flooder was not rate-limited")
            #expect(statuses.allSatisfy { $0.rateLimitedByPeer.keys.allSatisfy { $0 == "3" } }, "an honest replica was rate-limited")
            let findings = (try? String(contentsOfFile: cluster.monitorDirectory + "/findings.jsonl", encoding: .utf8)) ?? ""
            #expect(findings.contains("\"type\":\"flooding\"") && findings.contains("\"replica\":\"3\""), "\(findings)")
        }
    }
}
