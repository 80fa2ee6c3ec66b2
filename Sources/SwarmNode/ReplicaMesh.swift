import Foundation
import Logging
import SwarmCrypto
import SwarmTopology
import SwarmWire
import ZeroMQ

/// A replica's sockets, broker-free (docs/operations.md, "Endpoints"): a CURVE PUB for
/// broadcasts and one SUB per peer, connected to that peer's PUB, a ROUTER for clients, observers and
/// point-to-point replica messages, a DEALER to every peer's ROUTER, the monitor tap, the
/// ZAP authenticator with one allowlist per domain, and a socket monitor per connection.
/// Owned by the node's one thread; it binds and connects, the node sends and receives.
final class ReplicaMesh {
    let context: ZMQContext
    let authenticator: ZAPAuthenticator
    let publisher: ZMQSocket
    /// One SUB per peer: CURVE proves which replica's PUB a message came from, so the
    /// rate limit charges the replica that sent it, not the sender it names (issue 15,
    /// finding 10: forged COMMITs naming replica 0 got honest replica 0 rate-limited).
    let subscribers: [(peer: ReplicaID, socket: ZMQSocket)]
    let router: ZMQSocket
    let tap: MonitorTap
    private(set) var dealers: [ReplicaID: ZMQSocket] = [:]
    /// Socket monitors (connection events) with what each one watches.
    private(set) var monitors: [(monitor: SocketMonitor, role: PeerConnectivity.Role)] = []

    init(topology: Topology, id: ReplicaID, secret: SecretCertificate, publicCertificates: [PublicCertificate], settings: MeshSettings, logger: Logger) throws {
        context = try ZMQContext(ioThreads: 1)
        let replicaCurveKeys = Set(publicCertificates.map(\.curvePublicKey))
        let observerCurveKeys = Set(try topology.observerCertificates().map(\.curvePublicKey))
        // The tap carries every request's operation and value: the monitor (and whom the
        // topology lists in tap_readers) may read it, no client (issue 15, finding 6).
        let tapReaderCurveKeys = Set(try topology.tapReaderCertificates().map(\.curvePublicKey))
        let log = logger
        authenticator = try ZAPAuthenticator(
            context: context,
            allowlist: [
                MeshDomain.mesh: replicaCurveKeys,
                MeshDomain.router: replicaCurveKeys.union(observerCurveKeys),
                MeshDomain.monitor: tapReaderCurveKeys,
            ],
            onDenial: { denial in
                log.warning("refused a connection with an unknown CURVE key", metadata: ["denial": "\(denial)"])
            })
        let me = topology.replicas[Int(id)]
        let curveSecret = secret.curve.secretKey.copyBytes()
        let curvePublic = secret.curve.publicKey

        publisher = try context.makeSocket(.pub)
        try settings.apply(to: publisher, kind: .pub)
        try ZMQCurve.configureCurveServer(publisher, secretKey: curveSecret, publicKey: curvePublic, zapDomain: MeshDomain.mesh)
        try publisher.bind("tcp://\(me.host):\(me.meshPort)")

        router = try context.makeSocket(.router)
        try settings.apply(to: router, kind: .router)
        try ZMQCurve.configureCurveServer(router, secretKey: curveSecret, publicKey: curvePublic, zapDomain: MeshDomain.router)
        try router.bind("tcp://\(me.host):\(me.routerPort)")

        let tapSocket = try context.makeSocket(.pub)
        var tapSettings = settings
        tapSettings.highWaterMark = 50_000
        // Not XPUB_NODROP: with it, one slow (or hostile) subscriber would make every send
        // fail and blind the other monitors. A PUB drops per subscriber, silently; each
        // observation carries a sequence number, so a monitor counts what it lost.
        try tapSettings.apply(to: tapSocket, kind: .pub)
        try ZMQCurve.configureCurveServer(tapSocket, secretKey: curveSecret, publicKey: curvePublic, zapDomain: MeshDomain.monitor)
        try tapSocket.bind("tcp://\(me.host):\(me.monitorPort)")
        tap = MonitorTap(socket: tapSocket, replica: id)

        var subscribers: [(peer: ReplicaID, socket: ZMQSocket)] = []
        for peer in topology.replicas where peer.id != id {
            let subscriber = try context.makeSocket(.sub)
            try settings.apply(to: subscriber, kind: .sub)
            try ZMQCurve.configureCurveClient(subscriber, secretKey: curveSecret, publicKey: curvePublic, serverKey: publicCertificates[Int(peer.id)].curvePublicKey)
            try subscriber.subscribe(prefix: [])
            try subscriber.connect("tcp://\(peer.host):\(peer.meshPort)")
            subscribers.append((peer.id, subscriber))
        }
        self.subscribers = subscribers
        for (peer, subscriber) in subscribers {
            monitors.append((try subscriber.monitor(endpoint: "inproc://monitor-subscriber-\(peer)"), .subscriber(peer: peer)))
        }
        for peer in topology.replicas where peer.id != id {
            let dealer = try context.makeSocket(.dealer)
            try settings.apply(to: dealer, kind: .dealer)
            try ZMQCurve.configureCurveClient(dealer, secretKey: curveSecret, publicKey: curvePublic, serverKey: publicCertificates[Int(peer.id)].curvePublicKey)
            try dealer.connect("tcp://\(peer.host):\(peer.routerPort)")
            dealers[peer.id] = dealer
            monitors.append((try dealer.monitor(endpoint: "inproc://monitor-dealer-\(peer.id)"), .dealer(peer: peer.id)))
        }
        monitors.append((try router.monitor(endpoint: "inproc://monitor-router"), .router))
    }

    /// Each replica's ZAP user id (the Z85 of its CURVE key), indexed by replica id order.
    static func replicaByConnection(_ certificates: [PublicCertificate]) throws -> [String: ReplicaID] {
        Dictionary(uniqueKeysWithValues: try certificates.enumerated().map { (try Z85.encode($0.element.curvePublicKey), ReplicaID($0.offset)) })
    }

    deinit {
        for entry in monitors { _ = entry.monitor.close() }
        publisher.close()
        tap.socket.close()
        for (_, subscriber) in subscribers { subscriber.close() }
        router.close()
        for dealer in dealers.values { dealer.close() }
        authenticator.stop()
        context.terminate()
    }
}
