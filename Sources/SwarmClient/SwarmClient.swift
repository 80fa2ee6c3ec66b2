import Foundation
import SwarmAuth
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmTopology
import SwarmWire
import ZeroMQ

/// Why a client operation failed.
public struct ClientError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable { case timeout, rejected, notAuthorised, malformed, configuration, tooLarge }
    public let code: Code
    public let description: String
    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// A client of the replica group: signs requests with its Ed25519 key, sends them to the
/// replicas over CURVE-authenticated DEALER sockets, and returns a result only when q
/// distinct replicas sent the same one, each reply signed by its replica: f + 1 would
/// prove the result (one of them is correct, section 2.1), q also makes a completed write
/// visible to every later read-only request (`Configuration.writeQuorum`).
///
/// Not thread-safe: one thread owns a client and its sockets.
public final class SwarmClient {
    public let topology: Topology
    public let key: ClientKey
    let signing: Ed25519.PrivateKey
    let configuration: Configuration
    let verifier: Ed25519ProtocolCrypto
    let context: ZMQContext
    var dealers: [ReplicaID: ZMQSocket] = [:]
    /// Socket monitors of the dealers: a CURVE handshake refused by a replica's allowlist
    /// shows up here, so the client can say "not authorised" instead of timing out.
    var monitors: [ReplicaID: SocketMonitor] = [:]
    var refusedBy = Set<ReplicaID>()
    /// The client rule (request ids, send rule, retransmission, reply quorum), shared with
    /// the benchmark and the simulator. Request ids start from the clock so that a
    /// restarted client with the same key is not mistaken for a replay.
    var core: ClientCore
    public var timeoutMilliseconds = 10_000
    /// Whether each reply's Ed25519 signature is checked as well as its connection. The
    /// CURVE connection already authenticates the replica; the signature makes the reply
    /// a proof that can be shown to others, which costs a verification per reply.
    public var verifiesReplySignatures = true
    public var retransmitMilliseconds: Int {
        get { Int(core.retransmitAfter) }
        set { core.retransmitAfter = UInt64(max(1, newValue)) }
    }

    public init(topology: Topology, certificate: SecretCertificate) throws {
        self.topology = topology
        configuration = try topology.configuration()
        signing = certificate.signing
        key = ClientKey(bytes: certificate.signing.publicKey.bytes)
        let replicaCertificates = try topology.replicaCertificates()
        verifier = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        // Every request goes to every replica at once (`.all`): backups forward it to
        // the primary and start their timers, so a faulty primary is replaced (section 2.5).
        core = ClientCore(
            configuration: configuration, key: key, sendRule: .all, retransmitAfter: 1_000,
            firstRequestID: UInt64(Date().timeIntervalSince1970 * 1_000_000))
        context = try ZMQContext(ioThreads: 1)
        for replica in topology.replicas {
            let dealer = try replica.connectClientDealer(
                context: context, serverKey: replicaCertificates[Int(replica.id)].curvePublicKey,
                certificate: certificate, maxFrameBytes: configuration.wireLimits.maxFrameBytes)
            monitors[replica.id] = try dealer.monitor(endpoint: "inproc://client-monitor-\(replica.id)", events: [.handshakeFailedAuth, .handshakeSucceeded])
            dealers[replica.id] = dealer
        }
    }

    deinit {
        for monitor in monitors.values { _ = monitor.close() }
        for dealer in dealers.values { dealer.close() }
        context.terminate()
    }

    /// Read-only operations first try the unordered fast path (section 5.1.3 of the TOCS
    /// paper): every replica answers from its current state, and q matching replies are
    /// needed; otherwise the request is ordered like any other.
    public var readOnlyFastPath = true
    public var fastPathTimeoutMilliseconds = 500

    /// Submits a raw operation and waits for q matching replies.
    public func submit(_ operation: [UInt8]) throws -> [UInt8] {
        try awaitReplies(operation, readOnly: false, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Tries a read-only operation unordered; nil when q replicas did not agree in time.
    func submitReadOnly(_ operation: [UInt8]) throws -> [UInt8]? {
        do {
            return try awaitReplies(operation, readOnly: true, timeoutMilliseconds: fastPathTimeoutMilliseconds)
        } catch let error as ClientError where error.code == .timeout {
            return nil
        }
    }

    /// The swarm memory operations, decoded.
    public func execute(_ operation: MemoryOperation) throws -> MemoryResult {
        let encoded = operation.encoded()
        let bytes: [UInt8]
        if readOnlyFastPath, operation.isReadOnly, let fast = try submitReadOnly(encoded) {
            bytes = fast
        } else {
            bytes = try submit(encoded)
        }
        do { return try MemoryResult.decode(bytes) } catch {
            throw ClientError(.malformed, "the replicas agreed on a result that does not decode: \(error)")
        }
    }

    /// Runs one request through the client rule: sends what it says, feeds it every reply
    /// and tick, and returns the result it accepts.
    func awaitReplies(_ operation: [UInt8], readOnly: Bool, timeoutMilliseconds: Int) throws -> [UInt8] {
        // A REQUEST over the wire limit does not decode at any replica, so nobody could
        // answer it: refuse it here at once rather than time out (docs/wire-protocol.md §4).
        guard operation.count <= configuration.wireLimits.maxOperationBytes else {
            throw ClientError(.tooLarge, "the operation is \(operation.count) bytes; a request carries at most \(configuration.wireLimits.maxOperationBytes)")
        }
        let start = monotonicMilliseconds()
        func now() -> UInt64 { UInt64(max(0, monotonicMilliseconds() - start)) }
        let cluster = configuration.cluster, signing = self.signing
        var output: ClientCore.Output? = core.submit(operation: operation, readOnly: readOnly, now: now()) { request in
            SignedMessage.sign(.request(request), cluster: cluster) { signing.sign($0).bytes }
        }
        defer { core.abandon() }
        var items = topology.replicas.map { PollItem(socket: dealers[$0.id]!, events: .pollIn) }
        while now() < UInt64(timeoutMilliseconds) {
            if case let .send(message, targets)? = output {
                for target in targets { _ = try? dealers[target]?.send([message.frame], flags: .dontWait) }
            }
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
            for (replica, monitor) in monitors {
                while let event = try? monitor.receive(timeoutMilliseconds: 0) {
                    if event.kind == .handshakeFailedAuth { refusedBy.insert(replica) }
                    if event.kind == .handshakeSucceeded { refusedBy.remove(replica) }
                }
            }
            if topology.replicas.count - refusedBy.count < configuration.writeQuorum {
                throw ClientError(
                    .notAuthorised,
                    "replicas \(refusedBy.sorted().map(String.init).joined(separator: ", ")) refused this client's CURVE key: it is not in the topology's client_keys allowlist")
            }
            for (position, item) in items.enumerated() where item.returnedEvents.contains(.pollIn) {
                guard let socket = item.socket else { continue }
                let connectedTo = topology.replicas[position].id
                // Bounded per poll: a replica flooding replies must not hold the client
                // past its timeout; anything but one frame is dropped (issue 15, finding 1:
                // 3-frame replies made every put fail with three honest replicas up).
                for _ in 0 ..< 256 {
                    guard let received = try socket.receivePeerMessage(maxFrames: 1) else { break }
                    guard case let .frames(frames, _) = received else { continue }
                    // The CURVE handshake proved the other end holds replica `connectedTo`'s
                    // key, so a reply naming another sender is refused before its signature
                    // is looked at; the signature is checked too unless switched off
                    // (docs/wire-protocol.md, 2.2).
                    guard frames.count == 1, let reply = try? WireCodec.decode(frames[0], limits: configuration.wireLimits),
                        reply.cluster == configuration.cluster, case let .reply(body) = reply.payload
                    else { continue }
                    let accepted = core.receive(body, connectedTo: connectedTo) { !verifiesReplySignatures || verifier.verify(reply) }
                    if case let .accepted(_, result, _)? = accepted { return result }
                }
            }
            output = core.tick(now: now())
        }
        let needed = readOnly ? configuration.quorum : configuration.writeQuorum
        throw ClientError(.timeout, "no q = \(needed) matching replies within \(timeoutMilliseconds) ms (\(core.repliesReceived) replies received)")
    }

    /// Asks one replica for its status JSON over its ROUTER.
    public func status(of replica: ReplicaID, timeoutMilliseconds: Int = 2000) throws -> String {
        guard let dealer = dealers[replica] else { throw ClientError(.configuration, "no replica \(replica)") }
        _ = try dealer.send([ControlFrames.statusRequest])
        var items = [PollItem(socket: dealer, events: .pollIn)]
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while Date() < deadline {
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
            if case let .frames(frames, _)? = try dealer.receivePeerMessage(maxFrames: 1), frames.count == 1,
                let text = String(bytes: frames[0], encoding: .utf8), text.hasPrefix("{")
            {
                return text
            }
        }
        throw ClientError(.timeout, "replica \(replica) did not answer the status request within \(timeoutMilliseconds) ms")
    }
}
