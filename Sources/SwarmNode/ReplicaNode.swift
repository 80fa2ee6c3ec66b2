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
    /// The sockets: PUB/SUB mesh, ROUTER, DEALERs, tap, ZAP, socket monitors.
    let mesh: ReplicaMesh
    public private(set) var connectivity: PeerConnectivity
    let wal: WriteAheadLog
    var replica: Replica<SwarmMemory>
    /// The ROUTER identity each client last used, to route its replies.
    var clientRoutes: [ClientKey: [UInt8]] = [:]
    /// What each inbound message is and whether its connection may carry it.
    let gate: InboundGate
    var outbox: [Directive] = []
    var compactPending = false
    /// The state digest the status file last reported, and at which sequence: hashing a
    /// state of hundreds of MiB every second would stall the node for nothing.
    var reportedStateDigest: (sequence: SequenceNumber, digest: Digest)?
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
        let binding = try topology.clientBinding()
        gate = InboundGate(
            limits: configuration.wireLimits, replicaByConnection: try ReplicaMesh.replicaByConnection(topology.replicaCertificates()),
            mayCarry: { binding.mayCarry($0, onConnection: $1) })
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

        wal = try WriteAheadLog(directory: dataDirectory, limits: configuration.wireLimits)
        if wal.tornTailBytesDropped > 0 { logger.warning("cut a torn tail of \(wal.tornTailBytesDropped) bytes from the write-ahead log") }
        let coreCrypto = CachedProtocolCrypto(base: crypto, verified: verified)
        flooding = FloodingDetector(configuration: configuration, crypto: coreCrypto)
        security = ReplicaSecurity(
            log: try SecurityLog(directory: dataDirectory + "/security-log", signing: secret.signing, macKey: SecurityLog.macKey(for: secret)),
            swarmID: topology.swarmID, replica: id, cluster: configuration.cluster,
            adminKeys: try topology.adminCertificates().map(\.ed25519PublicKey), monitorKey: try topology.monitorCertificate().ed25519PublicKey
        )
        try security.restoreNonces(nowMicroseconds: ReplicaSecurity.nowMicroseconds())
        if wal.state.isEmpty {
            replica = Replica(configuration: configuration, id: id, crypto: coreCrypto, service: SwarmMemory(limits: MemoryLimits(maxTotalBytes: topology.memoryQuotaBytes)))
        } else {
            replica = try Replica(
                restoring: wal.state, configuration: configuration, id: id, crypto: coreCrypto, service: SwarmMemory(limits: MemoryLimits(maxTotalBytes: topology.memoryQuotaBytes))
            )
        }

        mesh = try ReplicaMesh(topology: topology, id: id, secret: secret, publicCertificates: publicCertificates, settings: settings, logger: logger)
        connectivity = PeerConnectivity(peers: topology.replicas.map(\.id).filter { $0 != id })
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
        let peers = mesh.subscribers.count
        var items =
            mesh.subscribers.map { PollItem(socket: $0.socket, events: .pollIn) } + [PollItem(socket: mesh.router, events: .pollIn)]
            + mesh.monitors.map { PollItem(socket: $0.monitor.socket, events: .pollIn) }
        while !stopping() {
            let now = Date().timeIntervalSinceReferenceDate
            let wait = max(0, Int((nextTick - now) * 1000))
            _ = try ZMQ.poll(&items, timeoutMilliseconds: wait)
            // Only the sockets poll saw ready: an empty receive costs libzmq a poll(2) of its
            // mailbox (and a getpid), on every turn of the loop. What arrives after the poll
            // makes the next poll return at once.
            for (index, subscriber) in mesh.subscribers.enumerated() where items[index].returnedEvents.contains(.pollIn) {
                try drainSubscriber(subscriber.socket, from: subscriber.peer)
            }
            if items[peers].returnedEvents.contains(.pollIn) { try drainRouter() }
            if items[(peers + 1)...].contains(where: { $0.returnedEvents.contains(.pollIn) }) { drainMonitors() }
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

    /// Reads at most a budget of messages per poll (so that ticks are not starved), lets
    /// the gate decide what each one is (`InboundGate`: shape, decode, which connection may
    /// carry it), verifies the signatures on both cores, then feeds the core in arrival order.
    /// Everything on `socket` was published by replica `peer` (the CURVE handshake proved
    /// its key), whatever sender the messages name: relayed COMMITs carry others' names.
    func drainSubscriber(_ socket: ZMQSocket, from peer: ReplicaID) throws {
        var batch: [Inbound] = []
        for _ in 0 ..< 512 {
            guard let received = try socket.receivePeerMessage(maxFrames: 2) else { break }
            counters.framesReceived += 1
            guard case let .frames(frames, _) = received else { counters.malformedFrames += 1; continue }
            if let inbound = admit(gate.fromSubscriber(frames, peer: peer)) { batch.append(inbound) }
        }
        try deliver(batch)
    }

    func drainRouter() throws {
        var batch: [Inbound] = []
        for _ in 0 ..< 512 {
            guard let received = try mesh.router.receivePeerMessage(maxFrames: 4, userID: true) else { break }
            counters.framesReceived += 1
            guard case let .frames(frames, userID) = received else { counters.malformedFrames += 1; continue }
            let verdict = gate.fromRouter(frames, userID: userID)
            switch verdict {
            case .control:
                // Evidence and control commands take effect in arrival order: after the
                // protocol frames drained before them, never ahead of them.
                try deliver(batch)
                batch.removeAll(keepingCapacity: true)
                if try !handleControlFrames(frames) { counters.malformedFrames += 1 }
            case let .status(route):
                _ = try? mesh.router.send([route, Array(statusJSON().utf8)], flags: .dontWait)
            default:
                if let inbound = admit(verdict) { batch.append(inbound) }
            }
        }
        try deliver(batch)
    }

    /// Counts what the gate dropped; passes on what it let through.
    func admit(_ verdict: InboundGate.Verdict) -> Inbound? {
        switch verdict {
        case let .message(message, route, channel):
            return Inbound(message: message, route: route, channel: channel)
        case .drop(.malformed):
            counters.malformedFrames += 1
        case .drop(.wrongChannel):
            counters.wrongChannel += 1
        case .drop(.unboundRequest):
            counters.unboundRequests += 1
        case .status, .control:
            preconditionFailure("the ROUTER loop handles status and control itself")
        }
        return nil
    }

    func drainMonitors() {
        for entry in mesh.monitors {
            while let event = try? entry.monitor.receive(timeoutMilliseconds: 0) {
                connectivity.observe(event, role: entry.role)
            }
        }
    }

    /// One decoded message and the connection it came on.
    struct Inbound {
        let message: SignedMessage
        /// The client's ROUTER identity, for its replies.
        let route: [UInt8]?
        /// The replica whose connection carried it (its PUB, or its DEALER on our ROUTER);
        /// nil for a client's connection.
        let channel: ReplicaID?
    }

    func deliver(_ batch: [Inbound]) throws {
        // Rate limits charge the replica whose connection carried the message (CURVE
        // proved it), before any signature is checked: a flood costs a decode, not a
        // verification, and it costs the flooder's budget, never the budget of a replica
        // it names.
        let now = monotonicMilliseconds()
        let batch = batch.filter { inbound in
            guard let channel = inbound.channel else { return true }
            if rateLimiter.admit(channel, nowMilliseconds: now) { return true }
            counters.rateLimited += 1
            return false
        }
        guard !batch.isEmpty else { return }
        verified.preverify(batch.map(\.message), with: crypto)
        for inbound in batch {
            let (message, route) = (inbound.message, inbound.route)
            try observeForFlooding(message)
            // Only frames that verified go on the tap: a monitor must not pay memory or
            // verification for what a client or a Byzantine replica made up (issue 15,
            // finding 2: 20 distinct 40 MiB frames with random signatures, sent to one
            // replica, took the monitor from 440 MiB to 2 GiB).
            if verified.contains(message.frame) {
                mesh.tap.publish(message.frame, outbound: false, peer: message.payload.replicaSender ?? MonitorTap.anyPeer)
            }
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
                if try !mesh.publisher.send([message.frame], flags: .dontWait) { counters.sendDrops += 1 }
                counters.framesSent += 1
                mesh.tap.publish(message.frame, outbound: true)
            case let .send(message, to: target):
                guard let dealer = mesh.dealers[target] else { continue }
                if try !dealer.send([message.frame], flags: .dontWait) { counters.sendDrops += 1 }
                counters.framesSent += 1
                mesh.tap.publish(message.frame, outbound: true, peer: target)
            case let .reply(reply, _):
                guard let route = clientRoutes[reply.client] else { counters.unroutableReplies += 1; continue }
                let signed = SignedMessage.sign(.reply(reply), cluster: configuration.cluster) { signer.sign($0).bytes }
                do {
                    if try !mesh.router.send([route, signed.frame], flags: .dontWait) { counters.sendDrops += 1 }
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
