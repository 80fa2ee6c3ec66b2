import Foundation
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmTopology
import SwarmWire
import ZeroMQ

/// Why a client operation failed.
public struct ClientError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable { case timeout, rejected, notAuthorised, malformed, configuration }
    public let code: Code
    public let description: String
    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// A client of the replica group: signs requests with its Ed25519 key, sends them to the
/// replicas over CURVE-authenticated DEALER sockets, and returns a result only when f + 1
/// distinct replicas sent the same one, each reply signed by its replica — at least one
/// of them is correct (section 2.1).
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
    /// Request ids increase monotonically; they start from the clock so that a restarted
    /// client with the same key is not mistaken for a replay.
    var nextRequestID: UInt64
    public var timeoutMilliseconds = 10_000
    /// Whether each reply's Ed25519 signature is checked as well as its connection. The
    /// CURVE connection already authenticates the replica; the signature makes the reply
    /// a proof that can be shown to others, which costs a verification per reply.
    public var verifiesReplySignatures = true
    public var retransmitMilliseconds = 1_000

    public init(topology: Topology, certificate: SecretCertificate) throws {
        self.topology = topology
        configuration = try topology.configuration()
        signing = certificate.signing
        key = ClientKey(bytes: certificate.signing.publicKey.bytes)
        let replicaCertificates = try topology.replicaCertificates()
        verifier = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        nextRequestID = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        context = try ZMQContext(ioThreads: 1)
        for replica in topology.replicas {
            let dealer = try replica.connectClientDealer(context: context, serverKey: replicaCertificates[Int(replica.id)].curvePublicKey,
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

    /// Submits a raw operation and waits for f + 1 matching replies.
    public func submit(_ operation: [UInt8]) throws -> [UInt8] {
        let request = ClientRequest(client: key, requestID: nextRequestID, readOnly: false, operation: operation)
        nextRequestID += 1
        let message = SignedMessage.sign(.request(request), cluster: configuration.cluster) { signing.sign($0).bytes }
        return try awaitReplies(message, request: request, needed: configuration.weakQuorum, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Tries a read-only operation unordered; nil when q replicas did not agree in time.
    func submitReadOnly(_ operation: [UInt8]) throws -> [UInt8]? {
        let request = ClientRequest(client: key, requestID: nextRequestID, readOnly: true, operation: operation)
        nextRequestID += 1
        let message = SignedMessage.sign(.request(request), cluster: configuration.cluster) { signing.sign($0).bytes }
        do {
            return try awaitReplies(message, request: request, needed: configuration.quorum, timeoutMilliseconds: fastPathTimeoutMilliseconds)
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

    func awaitReplies(_ message: SignedMessage, request: ClientRequest, needed: Int, timeoutMilliseconds: Int) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        var replies: [ReplicaID: [UInt8]] = [:]
        var lastSend = Date.distantPast
        var items = topology.replicas.map { PollItem(socket: dealers[$0.id]!, events: .pollIn) }
        while Date() < deadline {
            if Date().timeIntervalSince(lastSend) * 1000 >= Double(retransmitMilliseconds) {
                // Sent to every replica: backups forward it to the primary and start their
                // timers, so a faulty primary is replaced (section 2.5).
                for dealer in dealers.values { _ = try? dealer.send([message.frame], flags: .dontWait) }
                lastSend = Date()
            }
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
            for (replica, monitor) in monitors {
                while let event = try? monitor.receive(timeoutMilliseconds: 0) {
                    if event.kind == .handshakeFailedAuth { refusedBy.insert(replica) }
                    if event.kind == .handshakeSucceeded { refusedBy.remove(replica) }
                }
            }
            if topology.replicas.count - refusedBy.count < configuration.weakQuorum {
                throw ClientError(.notAuthorised, "replicas \(refusedBy.sorted().map(String.init).joined(separator: ", ")) refused this client's CURVE key: it is not in the topology's client_keys allowlist")
            }
            for (position, item) in items.enumerated() where item.returnedEvents.contains(.pollIn) {
                guard let socket = item.socket else { continue }
                let connectedTo = topology.replicas[position].id
                while let frames = try socket.receiveMultipart(dontWait: true, maxFrames: 2) {
                    // The CURVE handshake proved the other end holds replica `connectedTo`'s
                    // key, so a reply naming another sender is refused before its signature
                    // is looked at; the signature is checked too unless switched off
                    // (docs/wire-protocol.md, 2.2).
                    guard frames.count == 1, let reply = try? WireCodec.decode(frames[0], limits: configuration.wireLimits),
                          reply.cluster == configuration.cluster, case let .reply(body) = reply.payload, body.sender == connectedTo,
                          body.client == key, body.requestID == request.requestID, !verifiesReplySignatures || verifier.verify(reply) else { continue }
                    replies[body.sender] = body.result
                    if replies.values.filter({ $0 == body.result }).count >= needed {
                        return body.result
                    }
                }
            }
        }
        throw ClientError(.timeout, "no \(needed == configuration.weakQuorum ? "f + 1" : "q") = \(needed) matching replies within \(timeoutMilliseconds) ms (\(replies.count) replies received)")
    }

    /// Asks one replica for its status JSON over its ROUTER.
    public func status(of replica: ReplicaID, timeoutMilliseconds: Int = 2000) throws -> String {
        guard let dealer = dealers[replica] else { throw ClientError(.configuration, "no replica \(replica)") }
        _ = try dealer.send([NodeStatus.requestFrame])
        var items = [PollItem(socket: dealer, events: .pollIn)]
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while Date() < deadline {
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
            if let frames = try dealer.receiveMultipart(dontWait: true, maxFrames: 2), frames.count == 1,
               let text = String(bytes: frames[0], encoding: .utf8), text.hasPrefix("{") {
                return text
            }
        }
        throw ClientError(.timeout, "replica \(replica) did not answer the status request within \(timeoutMilliseconds) ms")
    }
}
