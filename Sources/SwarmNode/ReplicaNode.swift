#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import SwarmTopology
import SwarmAuth
import SwarmCore
import SwarmFaults
import SwarmMemory
import SwarmCrypto
import SwarmMonitorCore
import SwarmSecurityLog
import SwarmWire
import ZeroMQ

/// A running replica: the shell around one `Replica` instance. One thread owns the
/// instance and every socket (libzmq sockets are not thread-safe); it polls the mesh,
/// turns wall-clock time into ticks, and performs the directives in order, syncing the
/// write-ahead log before any send that follows a persist. It holds no protocol logic.
public final class ReplicaNode {
    public let topology: Topology
    public let id: ReplicaID
    let configuration: Configuration
    let settings: MeshSettings
    let logger: Logger
    let dataDirectory: String
    let signer: Ed25519.PrivateKey
    let crypto: Ed25519ProtocolCrypto
    let verified = VerifiedFrames()
    let context: ZMQContext
    let authenticator: ZAPAuthenticator
    let publisher: ZMQSocket
    let subscriber: ZMQSocket
    let router: ZMQSocket
    let tap: MonitorTap
    var dealers: [ReplicaID: ZMQSocket] = [:]
    /// Socket monitors; libzmq blocks its I/O thread if their events go unread, so the
    /// loop polls and drains them with everything else.
    var monitors: [(monitor: SocketMonitor, role: PeerConnectivity.Role)] = []
    public private(set) var connectivity: PeerConnectivity
    let wal: WriteAheadLog
    var replica: Replica<SwarmMemory>
    /// The ROUTER identity each client last used, to route its replies.
    var clientRoutes: [ClientKey: [UInt8]] = [:]
    /// The ZAP user ids (Z85 CURVE public keys) of the replicas: messages on the ROUTER
    /// from these connections are replicas' point-to-point traffic, never a client's route.
    let replicaUserIDs: Set<String>
    var outbox: [Directive] = []
    var compactPending = false
    public internal(set) var counters = NodeCounters()
    let startedAt = Date()
    var stopping: @Sendable () -> Bool
    let misbehavior: Misbehavior?
    /// Fault injection (test beds only): the pure rewriter the simulator runs too.
    var byzantine: ByzantineReplica?
    /// Fault injection's shell state (held PRE-PREPAREs' times, the flood's pool).
    var misbehaviorState = MisbehaviorState()
    /// Defences (ReplicaNode+Defenses.swift): what the protection level turns on.
    let protection: ReplicaProtection
    var rateLimiter: PeerRateLimiter
    var flooding: FloodingDetector
    let security: ReplicaSecurity

    public init(
        topology: Topology, replica id: ReplicaID, dataDirectory: String, settings: MeshSettings = MeshSettings(), misbehavior: Misbehavior? = nil, logger: Logger,
        stopping: @escaping @Sendable () -> Bool
    ) throws {
        if let misbehavior, !topology.testMode {
            throw TopologyError("--misbehave \(misbehavior.rawValue) is fault injection for test beds: the topology must set test_mode: true")
        }
        self.misbehavior = misbehavior
        self.topology = topology
        self.id = id
        self.settings = settings
        self.logger = logger
        self.dataDirectory = dataDirectory
        self.stopping = stopping
        configuration = try topology.configuration()
        protection = configuration.protection
        rateLimiter = PeerRateLimiter(ratePerSecond: protection.ratePerPeerPerSecond, replicaCount: configuration.replicaCount)
        guard configuration.isReplica(id) else { throw TopologyError("replica \(id) is not in the topology (0..<\(configuration.replicaCount))") }
        let secret = try topology.secretCertificate(of: id)
        let publicCertificates = try topology.replicaCertificates()
        guard publicCertificates[Int(id)].ed25519PublicKey == secret.signing.publicKey else {
            throw TopologyError("replicas[\(id)]: the secret certificate does not match the public certificate in the topology")
        }
        signer = secret.signing
        crypto = Ed25519ProtocolCrypto(signingKey: secret.signing, replicaKeys: publicCertificates.map(\.ed25519PublicKey))
        let configuration = self.configuration, crypto = self.crypto
        byzantine = misbehavior.map { ByzantineReplica($0, id: id, configuration: configuration, crypto: crypto) }

        wal = try WriteAheadLog(directory: dataDirectory)
        if wal.tornTailBytesDropped > 0 { logger.warning("cut a torn tail of \(wal.tornTailBytesDropped) bytes from the write-ahead log") }
        let coreCrypto = CachedProtocolCrypto(base: crypto, verified: verified)
        flooding = FloodingDetector(configuration: configuration, crypto: coreCrypto)
        security = ReplicaSecurity(
            log: try SecurityLog(directory: dataDirectory + "/security-log", signing: secret.signing, macKey: SecurityLog.macKey(for: secret)),
            swarmID: topology.swarmID, replica: id, cluster: configuration.cluster,
            adminKeys: try topology.adminCertificates().map(\.ed25519PublicKey), monitorKey: try topology.monitorCertificate().ed25519PublicKey
        )
        if wal.state.isEmpty {
            replica = Replica(configuration: configuration, id: id, crypto: coreCrypto, service: SwarmMemory())
        } else {
            replica = try Replica(restoring: wal.state, configuration: configuration, id: id, crypto: coreCrypto, service: SwarmMemory())
        }

        context = try ZMQContext(ioThreads: 1)
        let replicaCurveKeys = Set(publicCertificates.map(\.curvePublicKey))
        replicaUserIDs = Set(try publicCertificates.map { try Z85.encode($0.curvePublicKey) })
        let observerCurveKeys = Set(try topology.observerCertificates().map(\.curvePublicKey))
        let log = logger
        authenticator = try ZAPAuthenticator(
            context: context,
            allowlist: [
                MeshDomain.mesh: replicaCurveKeys,
                MeshDomain.router: replicaCurveKeys.union(observerCurveKeys),
                MeshDomain.monitor: replicaCurveKeys.union(observerCurveKeys),
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

        connectivity = PeerConnectivity(peers: topology.replicas.map(\.id).filter { $0 != id })
        subscriber = try context.makeSocket(.sub)
        try settings.apply(to: subscriber, kind: .sub)
        try ZMQCurve.configureCurveClient(subscriber, secretKey: curveSecret, publicKey: curvePublic, serverKey: publicCertificates[0].curvePublicKey)
        try subscriber.subscribe(prefix: [])
        for peer in topology.replicas where peer.id != id {
            let peerKey = publicCertificates[Int(peer.id)].curvePublicKey
            // One SUB can connect to many PUBs, but the server key is per socket option,
            // so it is set before each connect (libzmq reads it at connect time).
            try subscriber.setCurveServerKey(peerKey)
            try subscriber.connect("tcp://\(peer.host):\(peer.meshPort)")
            let dealer = try context.makeSocket(.dealer)
            try settings.apply(to: dealer, kind: .dealer)
            try ZMQCurve.configureCurveClient(dealer, secretKey: curveSecret, publicKey: curvePublic, serverKey: peerKey)
            try dealer.connect("tcp://\(peer.host):\(peer.routerPort)")
            dealers[peer.id] = dealer
            monitors.append((try dealer.monitor(endpoint: "inproc://monitor-dealer-\(peer.id)"), .dealer(peer: peer.id)))
        }
        let meshEndpoints = Dictionary(uniqueKeysWithValues: topology.replicas.filter { $0.id != id }.map { ("tcp://\($0.host):\($0.meshPort)", $0.id) })
        monitors.append((try subscriber.monitor(endpoint: "inproc://monitor-subscriber"), .subscriber(endpoints: meshEndpoints)))
        monitors.append((try router.monitor(endpoint: "inproc://monitor-router"), .router))
    }

    deinit {
        for entry in monitors { _ = entry.monitor.close() }
        publisher.close()
        tap.socket.close()
        subscriber.close()
        router.close()
        for dealer in dealers.values { dealer.close() }
        authenticator.stop()
        context.terminate()
    }

    /// Runs until `stopping()` returns true; then syncs the log and returns.
    public func run() throws {
        logger.info(
            "replica \(id) of \(configuration.replicaCount) (f = \(configuration.faultTolerance), q = \(configuration.quorum)) starting in view \(replica.view) at sequence \(replica.lastExecuted)"
        )
        try perform(replica.recover())
        try flush()
        try startDefenses()
        let tick = Double(topology.timeouts.tickMilliseconds) / 1000
        var nextTick = Date().timeIntervalSinceReferenceDate + tick
        var nextStatus = Date().timeIntervalSinceReferenceDate
        var items =
            [PollItem(socket: subscriber, events: .pollIn), PollItem(socket: router, events: .pollIn)]
            + monitors.map { PollItem(socket: $0.monitor.socket, events: .pollIn) }
        while !stopping() {
            let now = Date().timeIntervalSinceReferenceDate
            let wait = max(0, Int((nextTick - now) * 1000))
            _ = try ZMQ.poll(&items, timeoutMilliseconds: wait)
            // Only the sockets poll saw ready: an empty receive costs libzmq a poll(2) of its
            // mailbox (and a getpid), on every turn of the loop. What arrives after the poll
            // makes the next poll return at once.
            if items[0].returnedEvents.contains(.pollIn) { try drainSubscriber() }
            if items[1].returnedEvents.contains(.pollIn) { try drainRouter() }
            if items[2...].contains(where: { $0.returnedEvents.contains(.pollIn) }) { drainMonitors() }
            var current = Date().timeIntervalSinceReferenceDate
            while current >= nextTick {
                try perform(replica.tick())
                misbehaviorTick()
                try flush()
                try defensesTick()
                nextTick += tick
                // After a long stall (SIGSTOP), do not replay thousands of ticks at once.
                if current - nextTick > 1 { nextTick = current + tick }
                current = Date().timeIntervalSinceReferenceDate
            }
            if current >= nextStatus {
                writeStatus()
                nextStatus = current + 1
            }
        }
        try flush()
        try security.log.flush()
        publishSecurityEvents()
        writeStatus()
        logger.info("replica \(id) stopped at sequence \(replica.lastExecuted) in view \(replica.view)")
    }

    /// Reads at most a budget of frames per poll (so that ticks are not starved), decodes
    /// them, verifies their signatures on both cores, then feeds them to the core in the
    /// order they arrived.
    func drainSubscriber() throws {
        var batch: [(SignedMessage, [UInt8]?)] = []
        for _ in 0 ..< 512 {
            guard let frames = try subscriber.receiveMultipart(dontWait: true, maxFrames: 2) else { break }
            guard frames.count == 1 else { counters.malformedFrames += 1; continue }
            if let message = decode(frames[0]) { batch.append((message, nil)) }
        }
        try deliver(batch)
    }

    func drainRouter() throws {
        var batch: [(SignedMessage, [UInt8]?)] = []
        for _ in 0 ..< 512 {
            guard let (frames, userID) = try router.receiveMultipartWithUserID(dontWait: true, maxFrames: 4) else { break }
            if frames.count >= 3, try handleControlFrames(frames) { continue }
            guard frames.count == 2 else { counters.malformedFrames += 1; continue }
            if frames[1] == NodeStatus.requestFrame {
                _ = try? router.send([frames[0], Array(statusJSON().utf8)], flags: .dontWait)
                continue
            }
            // A request forwarded by a backup arrives on that replica's connection: it must
            // not become the client's route, or this replica's replies to the client would
            // go to the backup's DEALER (which reads nothing) instead of the client.
            let fromReplica = userID.map(replicaUserIDs.contains) ?? false
            if let message = decode(frames[1]) { batch.append((message, fromReplica ? nil : frames[0])) }
        }
        try deliver(batch)
    }

    func decode(_ frame: [UInt8]) -> SignedMessage? {
        counters.framesReceived += 1
        do { return try WireCodec.decode(frame, limits: configuration.wireLimits) } catch {
            counters.malformedFrames += 1
            return nil
        }
    }

    func drainMonitors() {
        for entry in monitors {
            while let event = try? entry.monitor.receive(timeoutMilliseconds: 0) {
                connectivity.observe(event, role: entry.role)
            }
        }
    }

    func deliver(_ batch: [(SignedMessage, [UInt8]?)]) throws {
        // Rate limits count the sender a message names, before any signature is checked:
        // a flood costs a decode, not a verification.
        let now = monotonicMilliseconds()
        let batch = batch.filter { message, _ in
            guard let sender = message.payload.replicaSender else { return true }
            if rateLimiter.admit(sender, nowMilliseconds: now) { return true }
            counters.rateLimited += 1
            return false
        }
        guard !batch.isEmpty else { return }
        verified.preverify(batch.map(\.0), with: crypto)
        for (message, route) in batch {
            try observeForFlooding(message)
            tap.publish(message.frame, outbound: false, peer: message.payload.replicaSender ?? MonitorTap.anyPeer)
            if let route, case let .request(request) = message.payload, verified.contains(message.frame) {
                // Remember the route only for a request that verifies, so a client cannot
                // redirect another client's replies.
                clientRoutes[request.client] = route
            }
            if verified.contains(message.frame) { byzantine?.observe(inbound: message) }
            try perform(replica.receive(message))
        }
        try flush()
    }

    /// Takes directives in order: persists are appended to the log at once; messages wait
    /// in the outbox until `flush`, which syncs the log first. Sends only ever move later,
    /// never before the persists they follow, so "persist before send" holds — and one
    /// fsync covers a whole batch of messages (group commit).
    func perform(_ directives: [Directive]) throws {
        for directive in directives {
            switch directive {
            case let .persist(record):
                try wal.append(record)
                if case .stableCheckpoint = record { compactPending = true }
            case .broadcast, .send, .reply:
                outbox.append(directive)
            case let .executed(batch):
                counters.executedRequests += batch.requests.count
            case let .enteredView(view):
                logger.info("entered view \(view); primary is replica \(configuration.primary(of: view))")
                try security.record(ReplicaEvents.enteredView(view, primary: configuration.primary(of: view), replica: id))
            case let .stableCheckpoint(sequence, digest):
                logger.debug("stable checkpoint \(sequence) state \(digest)")
            case let .alert(alert):
                logger.notice("alert: \(alert)")
                try recordDefence(alert)
            }
        }
    }

    /// Syncs the log, then sends what waited for it.
    func flush() throws {
        try wal.sync()
        var sending = outbox
        outbox.removeAll(keepingCapacity: true)
        sending = misbehave(sending)
        for directive in sending {
            switch directive {
            case let .broadcast(message):
                if try !publisher.send([message.frame], flags: .dontWait) { counters.sendDrops += 1 }
                counters.framesSent += 1
                tap.publish(message.frame, outbound: true)
            case let .send(message, to: target):
                guard let dealer = dealers[target] else { continue }
                if try !dealer.send([message.frame], flags: .dontWait) { counters.sendDrops += 1 }
                counters.framesSent += 1
                tap.publish(message.frame, outbound: true, peer: target)
            case let .reply(reply, _):
                guard let route = clientRoutes[reply.client] else { counters.unroutableReplies += 1; continue }
                let signed = SignedMessage.sign(.reply(reply), cluster: configuration.cluster) { signer.sign($0).bytes }
                do {
                    if try !router.send([route, signed.frame], flags: .dontWait) { counters.sendDrops += 1 }
                } catch let error as ZMQError where error.isHostUnreachable {
                    counters.unroutableReplies += 1
                }
            default:
                preconditionFailure("only messages wait in the outbox")
            }
        }
        if compactPending {
            compactPending = false
            try wal.compact()
        }
    }
}
