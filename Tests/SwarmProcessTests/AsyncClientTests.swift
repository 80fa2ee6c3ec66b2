import Testing
import SwarmClient
import SwarmCore
import SwarmCrypto

extension ProcessSuites {
    @Suite("Async client and read-only fast path")
    struct AsyncClientTests {
        @Test("async/await puts and reads; reads take the unordered fast path when q replicas agree")
        func asyncAndFastPath() async throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let certificate = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-0.key_secret")
            let client = try AsyncSwarmClient(topology: try cluster.topology(), certificate: certificate)
            let put = try await client.execute(.put(namespace: Array("async".utf8), key: Array("k".utf8), value: Array("v".utf8)))
            #expect(put.status == .ok)
            // status.json is rewritten once a second: wait until it shows the put.
            #expect(cluster.wait(seconds: 5) { (cluster.status(0)?.lastExecuted ?? 0) >= 1 })
            let executedBefore = cluster.status(0)?.lastExecuted ?? 0
            let read = try await client.execute(.get(namespace: Array("async".utf8), key: Array("k".utf8)))
            #expect(read.value == Array("v".utf8) && read.version == put.version)
            // A fast-path read is not ordered: no new sequence for it.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            #expect((cluster.status(0)?.lastExecuted ?? 0) == executedBefore)
        }

        @Test("With a replica down the fast path cannot gather q = n − f matching replies from all… yet reads still succeed by ordering")
        func fallbackToOrdered() async throws {
            let cluster = try LocalCluster(testMode: true)
            for replica in [0, 1, 2] { try cluster.start(replica) }
            try cluster.start(3, misbehave: "wrong-results")
            let client = try cluster.client()
            _ = try put(client, "k", "v")
            // Replica 3 lies on reads too, so only 3 of 4 agree: q = 3 still suffices at n = 4.
            let read = try client.execute(.get(namespace: Array("proc".utf8), key: Array("k".utf8)))
            #expect(read.value == Array("v".utf8))
        }
    }
}
