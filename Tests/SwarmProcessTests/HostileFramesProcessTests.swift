import Foundation
import SwarmClient
import SwarmCrypto
import SwarmTopology
import Testing
import ZeroMQ

extension ProcessSuites {
    /// Issue 15, finding 1: a ZeroMQ message with more frames than a receive loop expected
    /// ended the process. The test plays an allowlisted client and Byzantine replica 3
    /// (its real key, its real ports) and sends messages of every frame count from 1 to 8
    /// to every socket that reads a peer: each replica's ROUTER, the mesh (replica 3's
    /// PUB), the monitor's tap subscription (replica 3's tap), the monitor's event
    /// catch-up ROUTER, and the client's DEALERs (replica 3's ROUTER answers every request
    /// with three frames). Every process must survive and the cluster keep committing.
    @Suite("Hostile frame shapes on every socket")
    struct HostileFramesProcessTests {
        /// Messages of 1 ... 8 frames, each frame a few bytes of noise (some empty).
        static let shapes: [[[UInt8]]] = (1 ... 8).map { count in (0 ..< count).map { index in index % 3 == 2 ? [] : Array("x\(count).\(index)".utf8) } }

        @Test("Messages of 1 to 8 frames on every socket: no replica, monitor or client ends, and writes still commit")
        func everyFrameCount() throws {
            let cluster = try LocalCluster(testMode: true)
            for replica in 0 ... 2 { try cluster.start(replica) }
            let monitor = try cluster.startMonitor(seconds: 60)
            let topology = try cluster.topology()
            let client = try cluster.client()
            client.timeoutMilliseconds = 20_000
            _ = try put(client, "before", "1")

            // Byzantine replica 3: its own key, its own ports, every peer allowed in.
            let secret = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/replica-3.key_secret")
            let context = try ZMQContext()
            defer { context.terminate() }
            let everyone = Set(try topology.replicaCertificates().map(\.curvePublicKey) + topology.observerCertificates().map(\.curvePublicKey))
            let domains = [MeshDomain.mesh, MeshDomain.router, MeshDomain.monitor]
            let authenticator = try ZAPAuthenticator(context: context, allowlist: Dictionary(uniqueKeysWithValues: domains.map { ($0, everyone) }))
            defer { authenticator.stop() }
            func server(_ type: SocketType, domain: String, port: Int) throws -> ZMQSocket {
                let socket = try context.makeSocket(type)
                try socket.setLinger(milliseconds: 0)
                try ZMQCurve.configureCurveServer(socket, secretKey: secret.curve.secretKey.copyBytes(), publicKey: secret.curve.publicKey, zapDomain: domain)
                try socket.bind("tcp://127.0.0.1:\(port)")
                return socket
            }
            let me = topology.replicas[3]
            let mesh = try server(.pub, domain: MeshDomain.mesh, port: me.meshPort)
            let tap = try server(.pub, domain: MeshDomain.monitor, port: me.monitorPort)
            let router = try server(.router, domain: MeshDomain.router, port: me.routerPort)
            defer { [mesh, tap, router].forEach { $0.close() } }

            // An allowlisted client's DEALERs to the honest replicas' ROUTERs and to the
            // monitor's catch-up ROUTER.
            let certificate = try CertificateFile.readSecret(path: "\(cluster.directory)/keys/client-0.key_secret")
            var dealers: [ZMQSocket] = []
            for replica in 0 ... 2 {
                dealers.append(
                    try topology.replicas[replica].connectClientDealer(
                        context: context, serverKey: try topology.publicCertificate(of: UInt32(replica)).curvePublicKey, certificate: certificate, maxFrameBytes: 1 << 20))
            }
            let catchup = try context.makeSocket(.dealer)
            try catchup.setLinger(milliseconds: 0)
            try ZMQCurve.configureCurveClient(
                catchup, secretKey: certificate.curve.secretKey.copyBytes(), publicKey: certificate.curve.publicKey, serverKey: try topology.monitorCertificate().curvePublicKey)
            try catchup.connect(topology.events.catchupEndpoint)
            defer { (dealers + [catchup]).forEach { $0.close() } }

            // The honest replicas and the monitor reconnect to replica 3's ports with a
            // backoff of up to 5 s: keep sending for 8 s.
            let deadline = Date().addingTimeInterval(8)
            var threeFrameReplies = 0
            while Date() < deadline {
                for shape in Self.shapes {
                    _ = try mesh.send(shape, flags: .dontWait)
                    _ = try tap.send(shape, flags: .dontWait)
                    for dealer in dealers + [catchup] { _ = try dealer.send(shape, flags: .dontWait) }
                }
                // Replica 3's ROUTER answers whatever arrives with three frames.
                while case let .frames(frames, _)? = try router.receivePeerMessage(maxFrames: 8) {
                    if (try? router.send([frames[0], [1], [2], [3]], flags: .dontWait)) == true { threeFrameReplies += 1 }
                }
                usleep(100_000)
            }
            // A write from a client whose replica 3 answers in three frames: the three
            // honest replies (q = 3) complete it.
            let during = try put(client, "during", "2")
            #expect(during.status == .ok)
            #expect(threeFrameReplies > 0, "replica 3's ROUTER answered nothing: the client never saw a 3-frame reply")

            let survivors = (0 ... 2).filter { cluster.isRunning($0) }
            #expect(survivors == [0, 1, 2], "replicas ended: \(cluster.summary())\n\(cluster.logTails())")
            #expect(monitor.isRunning, "the monitor ended: \((try? String(contentsOfFile: cluster.directory + "/monitor.log", encoding: .utf8)) ?? "")")
            let malformed = (0 ... 2).map { cluster.status($0)?.counters.malformedFrames ?? 0 }
            #expect(malformed.allSatisfy { $0 > 0 }, "every honest replica counted the malformed messages: \(malformed)")
            let after = try put(client, "after", "3")
            #expect(after.status == .ok)
            monitor.terminate()
            monitor.waitUntilExit()
        }
    }
}
