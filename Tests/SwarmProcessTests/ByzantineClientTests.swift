import Foundation
import Testing
import SwarmClient
import SwarmCore
import SwarmMemory
import SwarmNode
import SwarmTopology

extension ProcessSuites {
    /// Issue 9: a client never accepts a result that fewer than f + 1 distinct replicas sent
    /// (and, since issue 14's defect C, completes nothing on fewer than q).
    @Suite("Clients against Byzantine replicas")
    struct ByzantineClientTests {
        @Test("One replica returning wrong results: the client still gets the correct result")
        func oneLiar() throws {
            let cluster = try LocalCluster(testMode: true)
            for replica in [0, 2, 3] { try cluster.start(replica) }
            try cluster.start(1, misbehave: "wrong-results")
            let client = try cluster.client()
            for index in 0 ..< 20 {
                let result = try put(client, "k\(index)", "v\(index)")
                #expect(result.status == .ok && result.version != 424_242)
            }
            let read = try client.execute(.get(namespace: Array("proc".utf8), key: Array("k7".utf8)))
            #expect(read.value == Array("v7".utf8))
        }

        @Test("Two replicas returning different wrong results (n = 4, more than f): never a wrong result; without q matching replies the write does not complete")
        func twoLiars() throws {
            // Two liars are more than f = 1. Their cores are honest, so the write is
            // executed, but only two replicas (f + 1) answer it truly: that proves the
            // result, yet does not complete a write (defect C: a write completes on q = 3),
            // so the client times out rather than report a write the read-only path could
            // miss. It never accepts a forged result either way.
            let cluster = try LocalCluster(testMode: true)
            for replica in [0, 3] { try cluster.start(replica) }
            for replica in [1, 2] { try cluster.start(replica, misbehave: "wrong-results") }
            let client = try cluster.client()
            client.timeoutMilliseconds = 5_000
            #expect { _ = try put(client, "contested", "truth") } throws: { error in
                (error as? ClientError)?.code == .timeout && "\(error)".contains("q = 3")
            }
            // The ordered read goes through the same rule: no forged value is ever returned.
            client.readOnlyFastPath = false
            do {
                let read = try client.execute(.get(namespace: Array("proc".utf8), key: Array("contested".utf8)))
                Issue.record("a read completed with \(read) although only f + 1 replicas answer truly")
            } catch let error as ClientError {
                #expect(error.code == .timeout)
            }
        }

        @Test("All but one replica silent: a clear timeout, never a result from one replica")
        func onlyOneSpeaks() throws {
            let cluster = try LocalCluster(testMode: true)
            try cluster.start(0)
            for replica in [1, 2, 3] { try cluster.start(replica, misbehave: "silent") }
            let client = try cluster.client()
            client.timeoutMilliseconds = 3_000
            #expect { _ = try put(client, "alone", "x") } throws: { error in
                (error as? ClientError)?.code == .timeout && "\(error)".contains("q = 3")
            }
        }

        @Test("Fault injection is refused unless the topology is a test bed")
        func misbehaveNeedsTestMode() throws {
            let cluster = try LocalCluster()
            try cluster.start(0, misbehave: "silent")
            #expect(cluster.wait(seconds: 10) { cluster.exitStatus(0) != nil })
            #expect(cluster.exitStatus(0) == 2)
            #expect(cluster.log(0).contains("test_mode"))
        }
    }
}

extension ProcessSuites {
    @Suite("Bad client input over the mesh")
    struct BadClientInputTests {
        @Test("An oversized value and an unknown operation get clear error results and change nothing")
        func badOperations() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            let big = try client.execute(.put(namespace: Array("proc".utf8), key: Array("big".utf8), value: [UInt8](repeating: 1, count: 20_000)))
            #expect(big.status == .tooLarge)
            let unknown = try MemoryResult.decode(client.submit([99, 0, 0, 0, 0]))
            #expect(unknown.status == .unknownOperation)
            let read = try client.execute(.get(namespace: Array("proc".utf8), key: Array("big".utf8)))
            #expect(read.status == .notFound)
        }
    }
}
