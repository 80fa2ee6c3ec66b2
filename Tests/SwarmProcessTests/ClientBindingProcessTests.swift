import Foundation
import SwarmClient
import SwarmCrypto
import SwarmMemory
import SwarmTopology
import SwarmWire
import Testing
import ZeroMQ

extension ProcessSuites {
    /// Issue 15, findings 3, 5 and 6, as the red team ran them: an allowlisted client signs
    /// with fresh identities on its own connection, resends another client's request to
    /// take over its replies, and subscribes to a replica's tap to read other clients'
    /// values. Against the binary before `ClientBinding`: the fresh identities were
    /// executed, the thief got the victim's replies, and the tap delivered.
    @Suite("Client identity bound to its connection")
    struct ClientBindingProcessTests {
        /// One allowlisted client's DEALER to every replica.
        static func dealers(_ cluster: LocalCluster, _ context: ZMQContext, certificate: SecretCertificate) throws -> [ZMQSocket] {
            let topology = try cluster.topology()
            return try topology.replicas.map { replica in
                try replica.connectClientDealer(
                    context: context, serverKey: try topology.publicCertificate(of: replica.id).curvePublicKey, certificate: certificate, maxFrameBytes: 1 << 20)
            }
        }

        /// Replies (any, well-formed or not) that reach `dealers` within `seconds`.
        static func replies(on dealers: [ZMQSocket], seconds: Double) throws -> Int {
            var count = 0
            var items = dealers.map { PollItem(socket: $0, events: .pollIn) }
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
                for dealer in dealers {
                    while try dealer.receivePeerMessage(maxFrames: 4) != nil { count += 1 }
                }
            }
            return count
        }

        static func request(_ signing: Ed25519.PrivateKey, _ cluster: ClusterBinding, key: String) -> SignedMessage {
            let request = ClientRequest(
                client: ClientKey(bytes: signing.publicKey.bytes), requestID: UInt64(Date().timeIntervalSince1970 * 1_000_000), readOnly: false,
                operation: MemoryOperation.put(namespace: Array("proc".utf8), key: Array(key.utf8), value: Array("stolen".utf8)).encoded())
            return SignedMessage.sign(.request(request), cluster: cluster) { signing.sign($0).bytes }
        }

        @Test("Fresh identities on a client's connection are never executed; another client's request resent by a thief gets the thief no reply")
        func identitiesAndRoutes() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let topology = try cluster.topology()
            let victim = try cluster.client(0)
            _ = try put(victim, "warm", "up")
            let context = try ZMQContext()
            defer { context.terminate() }
            let thief = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-1.key_secret")
            let owner = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-0.key_secret")
            let dealers = try Self.dealers(cluster, context, certificate: thief)
            defer { dealers.forEach { $0.close() } }
            usleep(1_500_000)  // status files are written once a second: let them show the warm-up put
            let executedBefore = (0 ..< 4).compactMap { cluster.status($0)?.counters.executedRequests }

            // 300 fresh identities, each validly signed, on the thief's own connection.
            for index in 0 ..< 300 {
                let frame = Self.request(Ed25519.PrivateKey.generate(), topology.cluster, key: "fresh-\(index)").frame
                for dealer in dealers { _ = try dealer.send([frame], flags: .dontWait) }
            }
            // The victim's signed requests (as read off the tap before finding 6), resent
            // by the thief first, then by the victim's client.
            for index in 0 ..< 5 {
                let frame = Self.request(owner.signing, topology.cluster, key: "victim-\(index)").frame
                for dealer in dealers { _ = try dealer.send([frame], flags: .dontWait) }
            }
            let stolen = try Self.replies(on: dealers, seconds: 3)
            #expect(stolen == 0, "the thief received \(stolen) replies")
            let after = try put(victim, "after", "ok")
            #expect(after.status == .ok)
            usleep(1_500_000)  // status files are written once a second
            let statuses = (0 ..< 4).compactMap { cluster.status($0) }
            #expect(statuses.count == 4)
            let executedAfter = statuses.map(\.counters.executedRequests)
            // Only the victim's one put executed since (its retransmissions are answered from
            // the reply cache, not executed again).
            for (before, after) in zip(executedBefore, executedAfter) { #expect(after - before <= 1, "executed \(before) → \(after)") }
            #expect(statuses.allSatisfy { $0.counters.unboundRequests >= 305 }, "unbound requests counted: \(statuses.map(\.counters.unboundRequests))")
        }

        @Test("A client cannot read a replica's tap; the monitor's key can")
        func tapIsForTheMonitor() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let topology = try cluster.topology()
            let context = try ZMQContext()
            defer { context.terminate() }
            let serverKey = try topology.publicCertificate(of: 0).curvePublicKey
            func subscriber(_ certificate: SecretCertificate) throws -> ZMQSocket {
                let socket = try context.makeSocket(.sub)
                try socket.setLinger(milliseconds: 0)
                try ZMQCurve.configureCurveClient(socket, secretKey: certificate.curve.secretKey.copyBytes(), publicKey: certificate.curve.publicKey, serverKey: serverKey)
                try socket.subscribe(prefix: [])
                try socket.connect("tcp://127.0.0.1:\(topology.replicas[0].monitorPort)")
                return socket
            }
            let client = try subscriber(try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-1.key_secret"))
            let monitor = try subscriber(try topology.monitorSecretCertificate())
            defer { [client, monitor].forEach { $0.close() } }
            usleep(1_000_000)
            let writer = try cluster.client(0)
            for index in 0 ..< 10 { _ = try put(writer, "secret-\(index)", "api_key=sk-live-123456") }
            var (readByClient, readByMonitor) = (0, 0)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                while try client.receivePeerMessage(maxFrames: 8) != nil { readByClient += 1 }
                while try monitor.receivePeerMessage(maxFrames: 8) != nil { readByMonitor += 1 }
                usleep(20_000)
            }
            #expect(readByClient == 0, "a client read \(readByClient) tap messages")
            #expect(readByMonitor > 0, "the monitor's key read nothing: the test would prove nothing")
        }
    }
}
