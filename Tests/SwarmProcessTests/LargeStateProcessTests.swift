import Foundation
import Testing
import SwarmClient
import SwarmMemory

extension ProcessSuites {
    /// Issue 14, C2 (CI slice; `scripts/large-state.sh` runs 256 MiB): a checkpointed state
    /// many chunks large restarts from its own file and transfers chunk by chunk. Chunks of
    /// 64 KiB make a 4 MiB state 64 chunks, as 256 MiB is 256 chunks of the default 1 MiB.
    @Suite("Large state on real processes")
    struct LargeStateProcessTests {
        @Test("4 MiB of state in 64 KiB chunks: a replica restarted after a stable checkpoint starts, and one with an empty data directory catches up")
        func restartAndCatchUp() throws {
            let cluster = try LocalCluster(timeouts: ["state_chunk_bytes": 64 << 10, "checkpoint_interval": 32])
            try cluster.startAll()
            let client = try cluster.client()
            let value = String(repeating: "v", count: 16 << 10)
            for index in 0 ..< 260 { #expect(try put(client, "k\(1000 + index)", value).status == .ok) }
            #expect(cluster.wait(seconds: 30) { cluster.converged() && (cluster.status(0)?.lastExecuted ?? 0) >= 256 })
            let checkpoint = "\(cluster.directory)/data-3"
            let files = (try? FileManager.default.contentsOfDirectory(atPath: checkpoint)) ?? []
            #expect(files.contains { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".state") }, "replica 3 keeps its checkpointed state beside the log: \(files)")

            // Restart after a stable checkpoint: the state is read back from its file.
            cluster.signal(3, SIGKILL)
            try cluster.start(3)
            _ = try put(client, "after-restart", "yes")
            #expect(cluster.wait(seconds: 30) { cluster.converged() }, "replica 3 did not come back: \(cluster.summary())\n\(cluster.log(3))")
            #expect(cluster.isRunning(3), "replica 3 exited: \(cluster.log(3))")

            // An empty data directory: everything arrives by state transfer, in chunks.
            cluster.signal(2, SIGKILL)
            try FileManager.default.removeItem(atPath: "\(cluster.directory)/data-2")
            try cluster.start(2)
            for index in 0 ..< 40 { _ = try put(client, "more\(index)", "\(index)") }
            #expect(cluster.wait(seconds: 60) { cluster.converged() }, "replica 2 did not catch up: \(cluster.summary())\n\(cluster.log(2))")
            #expect((cluster.status(2)?.stateTransfers ?? 0) > 0)
            #expect((cluster.status(2)?.lastExecuted ?? 0) >= 256)
        }
    }
}
