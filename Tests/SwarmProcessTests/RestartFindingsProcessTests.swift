import Foundation
import SwarmClient
import Testing

extension ProcessSuites {
    /// Issue 15, finding 8: a replica restarted past sequence 2L (and a monitor started
    /// late) took the flooding bound as 0 + 2L and named every honest peer a flooder, with
    /// a proven finding and a rate penalty for good. The window here is L = 32, so 2L is
    /// passed after 64 writes.
    @Suite("Restarts and late starts accuse no one")
    struct RestartFindingsProcessTests {
        /// Every file under `directory` that mentions a flooding finding.
        func floodingMentions(under directory: String) -> [String] {
            let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
            return files.filter { file in
                guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { return false }
                return String(decoding: data, as: UTF8.self).contains("\"flooding\"")
            }
        }

        @Test("A replica restarted past 2L and a monitor started past 2L name no honest replica a flooder")
        func restartPastTwoWindows() throws {
            let cluster = try LocalCluster(timeouts: ["watermark_window": 32, "checkpoint_interval": 8])
            try cluster.startAll()
            let client = try cluster.client()
            for index in 0 ..< 100 { _ = try put(client, "w\(index)", "v") }
            // The monitor starts now, at sequence ~100 > 2L; replica 2 restarts.
            let monitor = try cluster.startMonitor(seconds: 30)
            cluster.signal(2, SIGTERM)
            cluster.processes[2]?.waitUntilExit()
            try cluster.start(2)
            for index in 100 ..< 140 { _ = try put(client, "w\(index)", "v") }
            #expect(cluster.wait(seconds: 20) { cluster.converged() }, "\(cluster.summary())")
            usleep(3_000_000)
            monitor.terminate()
            monitor.waitUntilExit()
            let statuses = (0 ..< 4).compactMap { cluster.status($0) }
            #expect(statuses.count == 4 && statuses.allSatisfy { $0.rateLimitedByPeer.isEmpty }, "\(statuses.map(\.rateLimitedByPeer))")
            #expect(floodingMentions(under: "\(cluster.directory)/data-2").isEmpty, "replica 2 named a flooder: \(floodingMentions(under: "\(cluster.directory)/data-2"))")
            let findings = (try? String(contentsOfFile: cluster.monitorDirectory + "/findings.jsonl", encoding: .utf8)) ?? ""
            #expect(!findings.contains("flooding"), "the monitor named a flooder: \(findings)")
        }
    }
}
