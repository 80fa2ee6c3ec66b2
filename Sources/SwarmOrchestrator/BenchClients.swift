import Foundation
import Histogram
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmNode
import SwarmWire
import ZeroMQ

/// What one lane of benchmark clients measured in the measurement window.
struct BenchLaneResult: Sendable {
    var latencyMicroseconds = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var completed = 0
    var completedDuringWarmup = 0
    var retransmissions = 0
    var timeouts = 0
    var invalidReplies = 0
    var mismatchedReplies = 0
    var errors: [String] = []
    var clientSignatures = 0
    var clientVerifications = 0
}

/// The schedule every lane follows, in monotonic nanoseconds.
struct BenchSchedule: Sendable {
    var startNanoseconds: UInt64
    var measureFromNanoseconds: UInt64
    var endNanoseconds: UInt64
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A lane: several closed-loop clients driven by one thread over one ZeroMQ context, in
/// the way `SwarmClient` works (sign the request, send it to every replica over CURVE,
/// accept the result once f + 1 replicas sent the same validly signed reply, retransmit
/// after a second) but without a thread and a context per client, so that the
/// benchmark's own process costs little CPU beside the replicas it measures.
final class BenchLane {
    struct Client {
        let key: ClientKey
        let signing: Ed25519.PrivateKey
        var dealers: [ZMQSocket]
        var requestID: UInt64
        var message: SignedMessage?
        var sentNanoseconds: UInt64 = 0
        var lastSendNanoseconds: UInt64 = 0
        var replies: [ReplicaID: [UInt8]] = [:]
    }

    let topology: Topology
    let configuration: Configuration
    let verifier: Ed25519ProtocolCrypto
    let payloadBytes: Int
    /// false: the first transmission goes to the primary the client believes in, and only
    /// retransmissions go to every replica (the PBFT paper's client, section 2.1), instead
    /// of every replica at once as docs/wire-protocol.md asks of clients today.
    let sendToAll: Bool
    var believedPrimary: ReplicaID = 0
    let retransmitNanoseconds: UInt64
    let timeoutNanoseconds: UInt64
    let context: ZMQContext
    var clients: [Client] = []
    var result = BenchLaneResult()

    init(topology: Topology, certificates: [SecretCertificate], payloadBytes: Int, sendToAll: Bool = true, retransmitMilliseconds: Int = 1_000, timeoutMilliseconds: Int = 10_000) throws {
        self.topology = topology
        self.sendToAll = sendToAll
        configuration = try topology.configuration()
        let replicaCertificates = try topology.replicaCertificates()
        verifier = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        self.payloadBytes = payloadBytes
        retransmitNanoseconds = UInt64(retransmitMilliseconds) * 1_000_000
        timeoutNanoseconds = UInt64(timeoutMilliseconds) * 1_000_000
        context = try ZMQContext(ioThreads: 1)
        // Request ids start from the clock, as in SwarmClient, so a rerun with the same
        // keys against the same replicas is not taken for a replay.
        let firstRequestID = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        for certificate in certificates {
            var dealers: [ZMQSocket] = []
            let secret = certificate.curve.secretKey.copyBytes()
            for replica in topology.replicas {
                let dealer = try context.makeSocket(.dealer)
                try dealer.setLinger(milliseconds: 0)
                try dealer.setMaxMessageSize(bytes: Int64(configuration.wireLimits.maxFrameBytes))
                try ZMQCurve.configureCurveClient(dealer, secretKey: secret, publicKey: certificate.curve.publicKey, serverKey: replicaCertificates[Int(replica.id)].curvePublicKey)
                try dealer.connect("tcp://\(replica.host):\(replica.routerPort)")
                dealers.append(dealer)
            }
            clients.append(Client(key: ClientKey(bytes: certificate.signing.publicKey.bytes), signing: certificate.signing, dealers: dealers, requestID: firstRequestID))
        }
    }

    deinit {
        for client in clients { for dealer in client.dealers { dealer.close() } }
        context.terminate()
    }

    /// The benchmark operation: a put of `payloadBytes` bytes under the client's own key,
    /// so that every request writes and replicas cannot answer from a cache.
    func operation(for index: Int) -> [UInt8] {
        var value = [UInt8](repeating: 0, count: payloadBytes)
        withUnsafeBytes(of: clients[index].requestID.bigEndian) { bytes in
            for (offset, byte) in bytes.enumerated() where offset < value.count { value[offset] = byte }
        }
        return MemoryOperation.put(namespace: Array("bench".utf8), key: Array("client-\(index)".utf8), value: value).encoded()
    }

    func issue(_ index: Int, now: UInt64) {
        clients[index].requestID += 1
        let request = ClientRequest(client: clients[index].key, requestID: clients[index].requestID, readOnly: false, operation: operation(for: index))
        let signing = clients[index].signing
        clients[index].message = SignedMessage.sign(.request(request), cluster: configuration.cluster) { signing.sign($0).bytes }
        result.clientSignatures += 1
        clients[index].replies = [:]
        clients[index].sentNanoseconds = now
        send(index, now: now, everyReplica: sendToAll)
    }

    func send(_ index: Int, now: UInt64, everyReplica: Bool) {
        guard let message = clients[index].message else { return }
        let targets = everyReplica ? clients[index].dealers[...] : clients[index].dealers[Int(believedPrimary) ... Int(believedPrimary)]
        for dealer in targets {
            do { _ = try dealer.send([message.frame], flags: .dontWait) } catch { note("send: \(error)") }
        }
        clients[index].lastSendNanoseconds = now
    }

    func note(_ error: String) {
        // A bounded list: the count of errors matters, and the first few say why.
        if result.errors.count < 20 { result.errors.append(error) }
    }

    /// Runs the closed loop until the schedule ends.
    func run(_ schedule: BenchSchedule) {
        var items: [PollItem] = []
        var owner: [Int] = []
        for (index, client) in clients.enumerated() {
            for dealer in client.dealers {
                items.append(PollItem(socket: dealer, events: .pollIn))
                owner.append(index)
            }
        }
        while monotonicNanoseconds() < schedule.startNanoseconds { usleep(1_000) }
        for index in clients.indices { issue(index, now: monotonicNanoseconds()) }
        while true {
            let now = monotonicNanoseconds()
            if now >= schedule.endNanoseconds { break }
            do { _ = try ZMQ.poll(&items, timeoutMilliseconds: 10) } catch { note("poll: \(error)"); break }
            for (position, item) in items.enumerated() where item.returnedEvents.contains(.pollIn) {
                drain(item.socket!, client: owner[position], schedule: schedule)
            }
            let later = monotonicNanoseconds()
            for index in clients.indices {
                let client = clients[index]
                if later - client.sentNanoseconds >= timeoutNanoseconds {
                    result.timeouts += 1
                    issue(index, now: later)
                } else if later - client.lastSendNanoseconds >= retransmitNanoseconds {
                    result.retransmissions += 1
                    send(index, now: later, everyReplica: true)
                }
            }
        }
    }

    func drain(_ socket: ZMQSocket, client index: Int, schedule: BenchSchedule) {
        while true {
            let frames: [[UInt8]]
            do {
                guard let received = try socket.receiveMultipart(dontWait: true, maxFrames: 2) else { return }
                frames = received
            } catch { note("receive: \(error)"); return }
            guard frames.count == 1, let reply = try? WireCodec.decode(frames[0], limits: configuration.wireLimits),
                  reply.cluster == configuration.cluster, case let .reply(body) = reply.payload else {
                result.invalidReplies += 1
                continue
            }
            // Replies to an earlier request of this client (the f slowest replicas) are
            // dropped unread, as SwarmClient does: they cost no verification.
            guard body.client == clients[index].key, body.requestID == clients[index].requestID, clients[index].message != nil else { continue }
            result.clientVerifications += 1
            guard verifier.verify(reply) else { result.invalidReplies += 1; continue }
            clients[index].replies[body.sender] = body.result
            believedPrimary = configuration.primary(of: body.view)
            let matching = clients[index].replies.values.filter { $0 == body.result }.count
            if clients[index].replies.count - matching >= configuration.weakQuorum { result.mismatchedReplies += 1 }
            guard matching >= configuration.weakQuorum else { continue }
            complete(index, schedule: schedule)
        }
    }

    func complete(_ index: Int, schedule: BenchSchedule) {
        let now = monotonicNanoseconds()
        let sent = clients[index].sentNanoseconds
        if now >= schedule.measureFromNanoseconds, now < schedule.endNanoseconds {
            // Throughput counts every completion in the window; latency only requests also
            // sent in it, so warm-up (connection setup) never shows in the percentiles.
            result.completed += 1
            if sent >= schedule.measureFromNanoseconds { _ = result.latencyMicroseconds.record((now - sent) / 1_000) }
        } else {
            result.completedDuringWarmup += 1
        }
        clients[index].message = nil
        if now < schedule.endNanoseconds { issue(index, now: now) }
    }
}
