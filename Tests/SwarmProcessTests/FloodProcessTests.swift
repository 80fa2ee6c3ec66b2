import Foundation
import Testing
import SwarmClient

extension ProcessSuites {
    /// ACCEPTANCE 8 with real processes: a replica with a valid key floods the others with
    /// validly signed far-future messages. It is rate-limited and reported; every honest
    /// request under the flood commits; the honest replicas' memory grows by at most 64 MiB.
    /// The throughput ratio is printed, not asserted: on this 2-core machine it measures the
    /// other processes' load as much as the replicas (CI saw 36 % while a build ran beside
    /// it), and performance is judged by `swarmbft bench`, never by a timed assertion.
    @Suite("Flooding replica")
    struct FloodProcessTests {
        func residentMebibytes(_ pid: Int32) -> Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
            else { return 0 }
            return kibibytes / 1024
        }

        /// Puts `count` keys one after another; returns how many committed and the rate.
        func commit(_ client: SwarmClient, count: Int, tag: String) -> (committed: Int, perSecond: Double) {
            let start = Date()
            let committed = (0 ..< count).filter { (try? put(client, "\(tag)-\($0)", "v")) != nil }.count
            return (committed, Double(committed) / max(Date().timeIntervalSince(start), 0.001))
        }

        func throughput(_ client: SwarmClient, seconds: Double, tag: String) -> Double {
            let deadline = Date().addingTimeInterval(seconds)
            var committed = 0
            while Date() < deadline {
                if (try? put(client, "\(tag)-\(committed)", "v")) != nil { committed += 1 }
            }
            return Double(committed) / seconds
        }

        @Test("Rate-limited and reported; every honest request under the flood commits; memory within 64 MiB")
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
            let underFlood = commit(client, count: 150, tag: "flood")
            let floodMemory = (0 ... 2).map { residentMebibytes(cluster.processes[$0]!.processIdentifier) }
            let statuses = (0 ... 2).compactMap { cluster.status($0) }
            // A second baseline after the flood: other load on the machine changes over the
            // test, and the flood is judged against the lower of the two.
            cluster.signal(3, SIGTERM)
            try cluster.start(3)
            usleep(1_000_000)
            let baseline = min(firstBaseline, throughput(client, seconds: 3, tag: "again"))
            monitor.waitUntilExit()

            print(
                "flood: baseline \(Int(firstBaseline)) then \(Int(baseline)) req/s, under flood \(underFlood.committed) of 150 at \(Int(underFlood.perSecond)) req/s (\(Int(100 * underFlood.perSecond / max(baseline, 1))) %); memory \(baselineMemory.map { Int($0) }) → \(floodMemory.map { Int($0) }) MiB; rate-limited \(statuses.map { $0.rateLimitedByPeer["3"] ?? 0 }); dropped outside watermarks \(statuses.map { $0.dropped["outsideWatermarks"] ?? 0 })"
            )
            #expect(baseline > 0 && underFlood.committed == 150, "baseline \(baseline), under flood \(underFlood)")
            for (before, after) in zip(baselineMemory, floodMemory) { #expect(after - before <= 64, "memory grew \(after - before) MiB") }
            #expect(statuses.count == 3 && statuses.allSatisfy { ($0.rateLimitedByPeer["3"] ?? 0) > 0 }, "the flooder was not rate-limited")
            #expect(statuses.allSatisfy { $0.rateLimitedByPeer.keys.allSatisfy { $0 == "3" } }, "an honest replica was rate-limited")
            let findings = (try? String(contentsOfFile: cluster.monitorDirectory + "/findings.jsonl", encoding: .utf8)) ?? ""
            #expect(findings.contains("\"type\":\"flooding\"") && findings.contains("\"replica\":\"3\""), "\(findings)")
        }
    }
}
