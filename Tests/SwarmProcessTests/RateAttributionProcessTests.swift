import Foundation
import SwarmClient
import SwarmCrypto
import SwarmTopology
import SwarmWire
import Testing
import ZeroMQ

extension ProcessSuites {
    /// Issue 15, finding 10: the rate limiter charged the sender a message names, before
    /// its signature was checked: ~95k/s forged COMMITs naming replica 0 got honest
    /// replica 0 rate-limited 1.73 M times. Now it charges the replica whose connection
    /// carried the message, and a client's connection carries requests only.
    @Suite("Rate limits charge the connection, not the name")
    struct RateAttributionProcessTests {
        @Test("Forged COMMITs naming replica 0, from a client and from Byzantine replica 3's PUB: replica 0 is never charged; replica 3 is")
        func forgedSenderCostsTheSender() throws {
            // maximum: 10,000 messages per peer per second.
            let cluster = try LocalCluster(protectionLevel: "maximum")
            for replica in 0 ... 2 { try cluster.start(replica) }
            let topology = try cluster.topology()
            let client = try cluster.client()
            client.timeoutMilliseconds = 10_000
            _ = try put(client, "before", "1")

            let context = try ZMQContext()
            defer { context.terminate() }
            // Byzantine replica 3's PUB, with its real key.
            let secret = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/replica-3.key_secret")
            let replicaKeys = Set(try topology.replicaCertificates().map(\.curvePublicKey))
            let authenticator = try ZAPAuthenticator(context: context, allowlist: [MeshDomain.mesh: replicaKeys])
            defer { authenticator.stop() }
            let publisher = try context.makeSocket(.pub)
            try publisher.setLinger(milliseconds: 0)
            try publisher.setSendHighWaterMark(200_000)
            try ZMQCurve.configureCurveServer(publisher, secretKey: secret.curve.secretKey.copyBytes(), publicKey: secret.curve.publicKey, zapDomain: MeshDomain.mesh)
            try publisher.bind("tcp://127.0.0.1:\(topology.replicas[3].meshPort)")
            // An allowlisted client's DEALER to replica 1.
            let certificate = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-0.key_secret")
            let dealer = try topology.replicas[1].connectClientDealer(
                context: context, serverKey: try topology.publicCertificate(of: 1).curvePublicKey, certificate: certificate, maxFrameBytes: 1 << 20)
            try dealer.setSendHighWaterMark(200_000)
            defer { [publisher, dealer].forEach { $0.close() } }
            // The replicas' SUBs reconnect to port 3 with a backoff of up to 5 s: flood only
            // once every honest replica hears replica 3's PUB.
            let hearing = cluster.wait(seconds: 20) {
                (0 ... 2).allSatisfy { replica in cluster.status(replica)?.connectivity.peers.first { $0.id == 3 }?.hearing == true }
            }
            #expect(hearing, "the replicas never connected to replica 3's PUB")

            let forged = SignedMessage.withSignature(
                .commit(Vote(sender: 0, view: 0, sequence: 1, digest: .zero)), cluster: topology.cluster, signature: SodiumRandom.bytes(64)
            ).frame
            for _ in 0 ..< 3 {
                for _ in 0 ..< 30_000 {
                    _ = try publisher.send([forged], flags: .dontWait)
                    _ = try dealer.send([forged], flags: .dontWait)
                }
                usleep(300_000)
            }
            usleep(2_500_000)  // status files are written once a second
            let statuses = (0 ... 2).compactMap { cluster.status($0) }
            #expect(statuses.count == 3)
            #expect(statuses.allSatisfy { ($0.rateLimitedByPeer["0"] ?? 0) == 0 }, "replica 0 was charged: \(statuses.map(\.rateLimitedByPeer))")
            let seen = "\(statuses.map(\.rateLimitedByPeer)) received \(statuses.map(\.counters.framesReceived))"
            #expect(statuses.contains { ($0.rateLimitedByPeer["3"] ?? 0) > 0 }, "the publisher, replica 3, was never charged: \(seen)")
            #expect((statuses.first { $0.replica == 1 }?.counters.wrongChannel ?? 0) > 0, "replica 1 did not count the client's replica messages")
            let after = try put(client, "after", "2")
            #expect(after.status == .ok)
        }
    }
}
