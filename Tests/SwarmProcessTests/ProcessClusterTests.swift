import Foundation
import Testing
import SwarmClient
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmNode
import SwarmTopology
import SwarmWire
import ZeroMQ

func put(_ client: SwarmClient, _ key: String, _ value: String, namespace: String = "proc") throws -> MemoryResult {
    try client.execute(.put(namespace: Array(namespace.utf8), key: Array(key.utf8), value: Array(value.utf8)))
}

extension ProcessSuites {
    /// [PROC] tests: real `swarmbft node` processes on loopback with CURVE and ZAP.
    @Suite("Replica processes on loopback")
    struct ProcessClusterTests {
        @Test("4 replica processes execute 1,000 client requests; all replicas report the same state digest")
        func thousandRequests() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            for index in 0 ..< 1000 {
                let result = try put(client, "key-\(index % 50)", "value-\(index)")
                #expect(result.status == .ok)
            }
            #expect(cluster.wait(seconds: 10) { cluster.converged() && (cluster.status(0)?.lastExecuted ?? 0) > 0 })
            let statuses = (0 ..< 4).compactMap { cluster.status($0) }
            #expect(statuses.count == 4)
            #expect(Set(statuses.map(\.stateDigest)).count == 1, "digests: \(statuses.map(\.stateDigest))")
            #expect(statuses.allSatisfy { $0.counters.executedRequests >= 1000 || $0.stableCheckpoint > 0 })
            let read = try client.execute(.get(namespace: Array("proc".utf8), key: Array("key-49".utf8)))
            #expect(read.value == Array("value-999".utf8))
        }

        @Test("kill -9 of a backup, restart: it catches up and digests match; kill -9 of the primary: a view change and commits resume")
        func crashBackupThenPrimary() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            for index in 0 ..< 50 { _ = try put(client, "a\(index)", "\(index)") }
            cluster.signal(3, SIGKILL)
            // 300 more requests: past the checkpoint interval (128), so it must state-transfer.
            for index in 0 ..< 300 { _ = try put(client, "b\(index % 20)", "\(index)") }
            try cluster.start(3)
            #expect(cluster.wait(seconds: 30) { cluster.converged() }, "replica 3 did not catch up: \((0 ..< 4).map { cluster.status($0).map { "\($0.lastExecuted)" } ?? "-" })")
            #expect((cluster.status(3)?.stateTransfers ?? 0) > 0)

            let primary = Int(cluster.status(1)?.primary ?? 0)
            cluster.signal(primary, SIGKILL)
            let started = Date()
            let result = try put(client, "after-primary-crash", "yes")
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status == .ok)
            // L1: 2 × the largest view-change timeout + 5 s.
            #expect(seconds < 2 * 24 + 5)
            let others = (0 ..< 4).filter { $0 != primary }
            #expect(cluster.wait(seconds: 10) { others.allSatisfy { (cluster.status($0)?.view ?? 0) >= 1 } })
            try cluster.start(primary)
            _ = try put(client, "after-restart", "yes")
            #expect(cluster.wait(seconds: 30) { cluster.converged() })
        }

        @Test("ACCEPTANCE 11 (CI slice): 10 kill -9 cycles of random replicas under client load; digests agree and every acknowledged write is there")
        func crashCycles() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            // L1 is the bound: commits resume within 2 × the largest view-change timeout
            // + 5 s (a kill can land on a primary while the last victim is still catching up,
            // and then the view change may need its backoff).
            client.timeoutMilliseconds = try cluster.livenessBoundMilliseconds()
            var generator = SystemRandomNumberGenerator()
            var acknowledged: [String: String] = [:]
            var history: [String] = []
            for cycle in 0 ..< 10 {
                let victim = Int.random(in: 0 ..< 4, using: &generator)
                cluster.signal(victim, SIGKILL)
                history.append("cycle \(cycle): killed \(victim); \(cluster.summary())")
                for index in 0 ..< 20 {
                    let key = "c\(index % 7)", value = "\(cycle)-\(index)"
                    do {
                        if try put(client, key, value).status == .ok { acknowledged[key] = value }
                    } catch {
                        Issue.record("put \(key) in cycle \(cycle) failed: \(error)\n\(history.joined(separator: "\n"))\nnow: \(cluster.summary())\n\(cluster.logTails())")
                        return
                    }
                }
                try cluster.start(victim)
                usleep(300_000)
            }
            #expect(cluster.wait(seconds: 40) { cluster.converged() }, "\((0 ..< 4).map { cluster.status($0).map { "\($0.lastExecuted)/\($0.stateDigest.prefix(8))" } ?? "-" })")
            for (key, value) in acknowledged {
                #expect(try client.execute(.get(namespace: Array("proc".utf8), key: Array(key.utf8))).value == Array(value.utf8))
            }
        }

        @Test("Every replica's reply reaches a client that sends to all: a backup forwarding the request to the primary does not take over the client's route there")
        func everyReplicaAnswers() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let topology = try cluster.topology()
            let configuration = try topology.configuration()
            let certificate = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-0.key_secret")
            let context = try ZMQContext()
            defer { context.terminate() }
            var dealers: [ZMQSocket] = []
            for replica in topology.replicas {
                dealers.append(
                    try replica.connectClientDealer(
                        context: context, serverKey: try topology.publicCertificate(of: replica.id).curvePublicKey,
                        certificate: certificate, maxFrameBytes: configuration.wireLimits.maxFrameBytes))
            }
            defer { for dealer in dealers { dealer.close() } }
            let client = ClientKey(bytes: certificate.signing.publicKey.bytes)
            var answered = [Int](repeating: 0, count: dealers.count)
            let requests = 20
            for index in 0 ..< requests {
                let request = ClientRequest(
                    client: client, requestID: UInt64(Date().timeIntervalSince1970 * 1_000_000), readOnly: false,
                    operation: MemoryOperation.put(namespace: Array("proc".utf8), key: Array("r\(index)".utf8), value: [1]).encoded())
                let message = SignedMessage.sign(.request(request), cluster: configuration.cluster) { certificate.signing.sign($0).bytes }
                for dealer in dealers { _ = try dealer.send([message.frame]) }
                // Every replica answers each request once; wait for all of them, or 5 s.
                var replied = Set<Int>()
                let deadline = Date().addingTimeInterval(5)
                var items = dealers.map { PollItem(socket: $0, events: .pollIn) }
                while replied.count < dealers.count, Date() < deadline {
                    _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
                    for (replica, dealer) in dealers.enumerated() {
                        while case let .frames(frames, _)? = try dealer.receivePeerMessage(maxFrames: 2) {
                            guard let reply = try? WireCodec.decode(frames[0], limits: configuration.wireLimits), case let .reply(body) = reply.payload,
                                body.requestID == request.requestID, body.sender == ReplicaID(replica)
                            else { continue }
                            replied.insert(replica)
                        }
                    }
                }
                for replica in replied { answered[replica] += 1 }
            }
            #expect(answered == [Int](repeating: requests, count: dealers.count), "replies per replica: \(answered)")
        }

        @Test("ACCEPTANCE 14: SIGSTOP of the primary for 10 s: the view changes; after SIGCONT its old view is behind it")
        func pausedPrimary() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            _ = try put(client, "before", "pause")
            cluster.signal(0, SIGSTOP)
            let started = Date()
            #expect(try put(client, "during", "pause").status == .ok)
            #expect(Date().timeIntervalSince(started) < 10)
            usleep(UInt32(max(0, 10 - Date().timeIntervalSince(started)) * 1_000_000))
            cluster.signal(0, SIGCONT)
            #expect(try put(client, "after", "pause").status == .ok)
            #expect(cluster.wait(seconds: 30) { cluster.converged() && (cluster.status(0)?.view ?? 0) >= 1 }, "replica 0 must join the new view")
            let view = cluster.status(1)?.view ?? 0
            #expect(view >= 1)
        }

        @Test("ACCEPTANCE 16: an unknown client key is refused and counted; garbage frames are dropped and counted; the replicas keep working")
        func transportDefences() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            _ = try put(client, "k", "v")

            // A client whose CURVE key is not on the allowlist.
            let stranger = SecretCertificate.generate(name: "stranger")
            let outsider = try SwarmClient(topology: try cluster.topology(), certificate: stranger)
            outsider.timeoutMilliseconds = 2000
            #expect { _ = try outsider.execute(.get(namespace: Array("proc".utf8), key: Array("k".utf8))) } throws: { error in
                (error as? ClientError)?.code == .notAuthorised && "\(error)".contains("allowlist")
            }
            #expect(cluster.wait(seconds: 5) { (cluster.status(0)?.zapDenied[MeshDomain.router] ?? 0) > 0 })

            // Garbage and oversized frames from an allowlisted key.
            let context = try ZMQContext()
            let certificate = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-1.key_secret")
            let topology = try cluster.topology()
            let dealer = try context.makeSocket(.dealer)
            try dealer.setLinger(milliseconds: 0)
            try ZMQCurve.configureCurveClient(
                dealer, secretKey: certificate.curve.secretKey.copyBytes(), publicKey: certificate.curve.publicKey, serverKey: try topology.publicCertificate(of: 0).curvePublicKey)
            try dealer.connect("tcp://127.0.0.1:\(topology.replicas[0].routerPort)")
            for _ in 0 ..< 20 { _ = try dealer.send([[1, 2, 3, 4, 5]]) }
            _ = try dealer.send([[UInt8](repeating: 0x41, count: 70 << 20)])
            #expect(cluster.wait(seconds: 10) { (cluster.status(0)?.counters.malformedFrames ?? 0) >= 20 })
            // libzmq refuses the 70 MiB frame (MAXMSGSIZE) by disconnecting the sender; the
            // socket monitor counts it.
            #expect(cluster.wait(seconds: 10) { (cluster.status(0)?.connectivity.routerDisconnects ?? 0) > 0 })
            dealer.close()
            context.terminate()
            #expect(try put(client, "still", "working").status == .ok)
            #expect(cluster.isRunning(0))
        }

        @Test("Socket-monitor events become peer connectivity: a killed peer is seen as gone, and as back after its restart")
        func connectivity() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let allUp = { (replica: Int) -> Bool in
                cluster.status(replica)?.connectivity.peers.allSatisfy { $0.hearing && $0.reaching } ?? false
            }
            #expect(cluster.wait(seconds: 15) { (0 ..< 4).allSatisfy(allUp) })
            cluster.signal(3, SIGKILL)
            #expect(cluster.wait(seconds: 15) { cluster.status(0)?.connectivity.peers.first { $0.id == 3 }.map { !$0.hearing && !$0.reaching } ?? false })
            try cluster.start(3)
            #expect(cluster.wait(seconds: 20) { (0 ..< 4).allSatisfy(allUp) })
            _ = try put(try cluster.client(), "after", "reconnect")
        }

        @Test("SIGTERM drains and exits cleanly (status 0)")
        func sigterm() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            _ = try put(try cluster.client(), "x", "y")
            cluster.signal(2, SIGTERM)
            #expect(cluster.exitStatus(2) == 0)
        }
    }
}
